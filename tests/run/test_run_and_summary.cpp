// End to end through the commands: a run writes the merged file and removes its shards; an
// unfinished run (shards only) has a summary and resumes to the same trial data; cell statistics.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>

#include "bench_end_to_end.h"
#include "cell_summary.h"
#include "cell_table.h"
#include "commands.h"
#include "errors.h"
#include "experiment_file.h"
#include "final_file.h"
#include "fingerprint.h"
#include "hdf5_io.h"
#include "resource_check.h"
#include "results_schema.h"
#include "run_attributes.h"
#include "shard_spec.h"
#include "shard_store.h"
#include "test_support.h"

namespace perfgen {
namespace {

const char* kSmall = R"(
name = "small"
[data]
distribution = "gaussian"
[init]
scale = 1e-6
[train]
lr = 0.1
max_iters = 3000
[run]
batch_size = 4
[sweep]
n = [2, 4]
c_tilde = [0.0, 1.0]
data_seed = [0, 1, 2]
)";

RunOptions options_for(const testing::TempDir& dir, const std::string& output) {
  const std::string experiment = dir.file("small.toml");
  std::ofstream(experiment) << kSmall;
  RunOptions options;
  options.experiment_path = experiment;
  options.output_path = dir.file(output);
  options.backend = BackendChoice::cpu;
  options.quiet = true;
  return options;
}

TEST(Run, WritesTheMergedFileAndItsTable) {
  testing::TempDir dir;
  const RunOptions options = options_for(dir, "run.h5");
  // What an earlier run killed while deleting its shards left (ShardStore::remove): deleted too.
  std::filesystem::create_directories(options.output_path + ".shards.removing");
  std::ofstream(options.output_path + ".shards.removing/batches-00000000-to-00000001-every-1.h5") << "half";
  std::ofstream(options.output_path + ".shards.removing/config.toml") << "half";
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  EXPECT_FALSE(std::filesystem::exists(options.output_path + ".shards"));
  EXPECT_FALSE(std::filesystem::exists(options.output_path + ".shards.removing"));
  const ColumnGroup trials = read_hdf5_group(options.output_path, "trials");
  ASSERT_EQ(trials.at("trial").rows(), 12u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(trials.at("trial").integer[i], static_cast<std::int64_t>(i));
  // Which backend trained each trial: all on the CPU here.
  EXPECT_EQ(trials.at("trained_on").integer, std::vector<std::int64_t>(12, std::int64_t(TrainedOn::cpu)));
  EXPECT_EQ(trials.at("trained_on").flag_meanings, "cpu cuda cuda_then_cpu");
  // The units docs/FILE_FORMAT.md gives, as attributes a reader (xarray) shows.
  for (const auto& [column, units] :
       std::vector<std::pair<std::string, std::string>>{{"lr", "time per step"},
                                                        {"max_iters", "steps"},
                                                        {"iterations", "steps"},
                                                        {"final_time", "time"},
                                                        {"mu1", "1/time"},
                                                        {"mu_gd", "1/time"},
                                                        {"aligned_time_offset", "time"},
                                                        {"aligned_time_offset_mu1", "time"},
                                                        {"final_aligned_time", "time"},
                                                        {"gen_error", ""}})
    EXPECT_EQ(trials.at(column).units, units) << column;
  const ColumnGroup cells = read_hdf5_group(options.output_path, "cells");
  EXPECT_EQ(cells.at("finished_trials").integer, (std::vector<std::int64_t>{3, 3, 3, 3}));
  EXPECT_NE(out.str().find("rate [95% CI]"), std::string::npos);
  std::ostringstream summary;
  EXPECT_EQ(summary_command(options.output_path, false, summary, err), kExitOk);
  EXPECT_NE(summary.str().find("3/3"), std::string::npos) << summary.str();
  EXPECT_EQ(summary.str().find("gradient flow"), std::string::npos) << summary.str();
}

// A run by gradient flow says so where it ends and in its summary's heading: its iterations are the
// integrator's steps, not gradient steps.
TEST(Run, AFlowRunSaysSoInItsLastLineAndSummary) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "flow.h5");
  options.overrides = {"train.method=\"flow\"", "train.max_time=100"};
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find(": 12 trials by gradient flow in "), std::string::npos) << out.str();
  std::ostringstream summary;
  EXPECT_EQ(summary_command(options.output_path, false, summary, err), kExitOk);
  EXPECT_NE(summary.str().find("(small, backend cpu, gradient flow)\n"), std::string::npos) << summary.str();
}

// Folders of the store's names that hold a user's files are not a run's: FILE.h5.shards is refused
// (never adopted, never deleted), FILE.h5.shards.removing left alone while the run's own store is
// deleted in place.
TEST(Run, FoldersOfTheStoresNamesWithAUsersFilesAreLeftAlone) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "mine.h5");
  std::filesystem::create_directories(options.output_path + ".shards");
  std::ofstream(options.output_path + ".shards/notes.txt") << "precious";
  for (const bool force : {false, true}) {
    options.force = force;
    std::ostringstream out, err;
    EXPECT_EQ(run_command(options, out, err), kExitBadInput);
    EXPECT_NE(err.str().find(".shards holds notes.txt, which perfgen does not write"), std::string::npos) << err.str();
  }
  options.shard = parse_shard("0/2");
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), kExitBadInput) << "a worker does not adopt it either";
  for (const bool force : {false, true}) {
    std::ostringstream merge_out, merge_err;
    EXPECT_EQ(merge_command(options.output_path, force, merge_out, merge_err), kExitBadInput);
    EXPECT_NE(merge_err.str().find(".shards (it holds notes.txt, which perfgen does not write)"), std::string::npos)
        << "merge names it too: " << merge_err.str();
  }
  EXPECT_TRUE(std::filesystem::exists(options.output_path + ".shards/notes.txt"));

  options = options_for(dir, "aside.h5");
  std::filesystem::create_directories(options.output_path + ".shards.removing/mine");
  std::ofstream(options.output_path + ".shards.removing/mine/notes.txt") << "precious";
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  EXPECT_FALSE(std::filesystem::exists(options.output_path + ".shards"));
  EXPECT_TRUE(std::filesystem::exists(options.output_path + ".shards.removing/mine/notes.txt"));

  // What an NFS client leaves for a file deleted while open (.nfs…) is the store's own.
  options = options_for(dir, "nfs.h5");
  options.shard = parse_shard("0/1");
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  std::ofstream(options.output_path + ".shards/.nfs000000000012345600000001") << "deleted while open";
  EXPECT_EQ(merge_command(options.output_path, false, out, err), kExitOk) << err.str();
}

// A worker's last line is a command to paste: the output's name quoted for the shell.
TEST(Run, AWorkerNamesTheMergeCommandQuoted) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "my run.h5");
  options.shard = parse_shard("1/2");
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find("when all 2 shards are done: perfgen merge '" + options.output_path + "'\n"),
            std::string::npos)
      << out.str();
  EXPECT_EQ(out.str().rfind("stages: plan ", 0), 0u) << "the worker's stage times come first: " << out.str();
  // The summary of the shards says when every trial is there, and how to merge; merge given the
  // folder names the command that merges it.
  std::ostringstream half;
  ASSERT_EQ(summary_command(options.output_path + ".shards", false, half, err), kExitOk) << err.str();
  EXPECT_EQ(half.str().find("every trial is finished"), std::string::npos) << half.str();
  options.shard = parse_shard("0/2");
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  std::ostringstream whole;
  ASSERT_EQ(summary_command(options.output_path + ".shards", false, whole, err), kExitOk) << err.str();
  EXPECT_NE(whole.str().find("every trial is finished; perfgen merge '" + options.output_path + "' writes the file\n"),
            std::string::npos)
      << whole.str();
  std::ostringstream folder;
  EXPECT_EQ(merge_command(options.output_path + ".shards/", false, out, folder), kExitBadInput);
  EXPECT_NE(folder.str().find(".shards/ is the shard folder; perfgen merge '" + options.output_path + "' merges it"),
            std::string::npos)
      << folder.str();
  // A merge killed after writing its file, before removing the shards: the same command finishes it
  // (it was refused, "exists; pass --force"), while a file of another experiment still needs --force.
  const std::filesystem::path shards = options.output_path + ".shards", kept = dir.file("kept.shards");
  std::filesystem::copy(shards, kept);
  std::ostringstream merged, merge_err;
  ASSERT_EQ(merge_command(options.output_path, false, merged, merge_err), kExitOk) << merge_err.str();
  std::filesystem::rename(kept, shards);
  std::ostringstream again, again_err;
  EXPECT_EQ(merge_command(options.output_path, false, again, again_err), kExitOk) << again_err.str();
  EXPECT_FALSE(std::filesystem::exists(shards));
  std::filesystem::copy(options.output_path, dir.file("finished.h5"));
  RunOptions other = options_for(dir, "other.h5");
  other.overrides.push_back("train.lr=0.05");
  other.shard = parse_shard("0/1");
  ASSERT_EQ(run_command(other, out, err), kExitOk) << err.str();
  std::filesystem::copy(options.output_path, other.output_path);  // a file of the first experiment
  std::ostringstream refused, refused_err;
  EXPECT_EQ(merge_command(other.output_path, false, refused, refused_err), kExitBadInput) << refused.str();
  EXPECT_NE(refused_err.str().find("exists; pass --force to replace it"), std::string::npos) << refused_err.str();
}

// After the progress line's 100%, a merge from the shards (a resumed run's) is announced; a fresh run
// finishes the file it wrote while training, and says nothing of a merge.
TEST(Run, AMergeFromTheShardsIsAnnounced) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "resumed.h5");
  options.shard = parse_shard("0/2");
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  options.shard = {};
  options.resume = true;
  options.quiet = false;
  std::ostringstream resumed_out, resumed_err;
  ASSERT_EQ(run_command(options, resumed_out, resumed_err), kExitOk) << resumed_err.str();
  EXPECT_NE(resumed_err.str().find("perfgen: merging the 12 trials of " + options.output_path + ".shards into " +
                                   options.output_path + "\n"),
            std::string::npos)
      << resumed_err.str();
  RunOptions fresh = options_for(dir, "fresh.h5");
  fresh.quiet = false;
  std::ostringstream fresh_out, fresh_err;
  ASSERT_EQ(run_command(fresh, fresh_out, fresh_err), kExitOk) << fresh_err.str();
  EXPECT_EQ(fresh_err.str().find("merging"), std::string::npos) << fresh_err.str();
}

// Both workers of --shard i/2 on options' output: every batch in the shards, nothing merged.
void run_both_workers(RunOptions options) {
  std::ostringstream out, err;
  for (const char* worker : {"0/2", "1/2"}) {
    options.shard = parse_shard(worker);
    ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  }
}

// A merge killed by SIGKILL leaves its partial file, OUTPUT.tmp-PID; the next merge (or plain run) of
// the output removes it, and leaves the temporary of a live process and names of another form alone.
TEST(Merge, AKilledMergesPartialFileIsRemovedByTheNext) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "killed.h5");
  std::ostringstream out, err;
  ASSERT_NO_FATAL_FAILURE(run_both_workers(options));
  auto gone_pid = [] {  // a PID that no process has any more
    const pid_t gone = ::fork();
    if (gone == 0) ::_exit(0);
    ::waitpid(gone, nullptr, 0);
    return std::to_string(gone);
  };
  const std::string stale = options.output_path + ".tmp-" + gone_pid();  // empty: killed before writing
  // Another live process's (this one's own name is the merge's temporary).
  const std::string live = options.output_path + ".tmp-" + std::to_string(::getppid());
  const std::string other = options.output_path + ".tmp-mine";
  const std::string notes = options.output_path + ".tmp-" + gone_pid();     // a user's text file
  const std::string finished = options.output_path + ".tmp-" + gone_pid();  // a user's copy of results
  for (const std::string& path : {stale, live, other}) std::ofstream(path).flush();
  std::ofstream(notes) << "my notes";
  const RunOptions results = options_for(dir, "results.h5");
  ASSERT_EQ(run_command(results, out, err), kExitOk) << err.str();
  std::filesystem::copy_file(results.output_path, finished);
  std::ostringstream merged;
  ASSERT_EQ(merge_command(options.output_path, false, merged, err), kExitOk) << err.str();
  EXPECT_NE(merged.str().find("merge "), std::string::npos) << merged.str();
  EXPECT_NE(merged.str().find(" (this process trained nothing)\n"), std::string::npos) << merged.str();
  EXPECT_EQ(merged.str().find("training busy"), std::string::npos) << merged.str();
  EXPECT_FALSE(std::filesystem::exists(stale));
  for (const std::string& kept : {live, other, notes, finished}) EXPECT_TRUE(std::filesystem::exists(kept)) << kept;
  std::ofstream(stale).flush();
  RunOptions again = options_for(dir, "killed.h5");
  again.force = true;
  ASSERT_EQ(run_command(again, out, err), kExitOk) << err.str();
  EXPECT_FALSE(std::filesystem::exists(stale));
}

// A cancel while the shards are merged (SIGINT during a long merge) leaves the shards as they were and
// neither the output nor its temporary; the merge then runs again from them.
TEST(Merge, ACancelLeavesTheShardsAndNoOutput) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "merged.h5");
  std::ostringstream out, err;
  ASSERT_NO_FATAL_FAILURE(run_both_workers(options));
  const ShardStore store(options.output_path);
  const Experiment e = load_experiment(store.stored_config(), "config.toml", {});
  const Plan plan(e);
  const std::atomic<bool> cancel{true};
  StageTimes times;
  EXPECT_THROW(merge_into_final(plan, store, options.output_path, RunFigures{}, times, out, err, nullptr, &cancel),
               TrainingCancelled);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find("merged.h5.tmp"), std::string::npos) << entry.path();
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
  EXPECT_TRUE(store.exists());
  EXPECT_EQ(merge_command(options.output_path, false, out, err), kExitOk) << err.str();
  EXPECT_TRUE(std::filesystem::exists(options.output_path));
  EXPECT_FALSE(store.exists());
}

// config_hash is the standard FNV-1a, so any implementation can recompute it from the config attribute:
// the published test vectors (offset basis 14695981039346656037, prime 1099511628211).
TEST(FileAttributes, TheConfigHashIsStandardFnv1a) {
  EXPECT_EQ(fingerprint(""), "cbf29ce484222325");
  EXPECT_EQ(fingerprint("a"), "af63dc4c8601ec8c");
  EXPECT_EQ(fingerprint("foobar"), "85944171f73967e8");
}

// The disk estimate covers what a sweep holds at its peak, the shards and the final file side by side
// (a merge): here a sweep of one trial, whose files are mostly HDF5 headers.
TEST(Plan, TheDiskEstimateCoversTheShardsAndTheFinalFileTogether) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "one.h5");
  options.overrides = {"sweep.n=[2]", "sweep.c_tilde=[0.0]", "sweep.data_seed=[0]"};
  options.shard = parse_shard("0/1");
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  std::uintmax_t shard_bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(options.output_path + ".shards"))
    shard_bytes += entry.file_size();
  ASSERT_EQ(merge_command(options.output_path, false, out, err), kExitOk) << err.str();
  // A second merge finds the run complete, as --resume does, and leaves the file alone; without the
  // file either, there is nothing it could mean.
  const auto merged_at = std::filesystem::last_write_time(options.output_path);
  std::ostringstream again;
  EXPECT_EQ(merge_command(options.output_path, false, again, err), kExitOk) << err.str();
  EXPECT_EQ(again.str(), options.output_path + " is already complete; nothing to merge\n");
  EXPECT_EQ(std::filesystem::last_write_time(options.output_path), merged_at);
  std::ostringstream none_out, none_err;
  EXPECT_EQ(merge_command(dir.file("never-run.h5"), false, none_out, none_err), kExitBadInput);
  EXPECT_NE(none_err.str().find("no unfinished run at"), std::string::npos) << none_err.str();
  for (const std::string& other : {options.experiment_path, dir.file("junk.h5")}) {  // not a run's results
    if (other != options.experiment_path) std::ofstream(other, std::ios::binary) << std::string(100, '\x7f');
    std::ostringstream other_out, other_err;
    EXPECT_EQ(merge_command(other, false, other_out, other_err), kExitBadInput) << other;
    EXPECT_NE(other_err.str().find(other + " is not a perfgen results file"), std::string::npos) << other_err.str();
  }
  const Experiment e = load_experiment_file(options.experiment_path, options.overrides);
  const double estimate = estimate_resources(Plan(e)).disk_bytes;
  EXPECT_GE(estimate, static_cast<double>(shard_bytes + std::filesystem::file_size(options.output_path)));
}

// The small sweep draws gaussian data, so its data seeds matter: no warning. On grid data they would
// not, and the run says so before it starts (and runs anyway).
TEST(Run, WarnsOfSeedsThatChangeNothingAndRunsAnyway) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "seeds.h5");
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  EXPECT_EQ(err.str().find("warning"), std::string::npos) << err.str();
  options.output_path = dir.file("grid.h5");
  options.overrides = {"data.distribution=grid"};
  std::ostringstream grid_out, grid_err;
  ASSERT_EQ(run_command(options, grid_out, grid_err), kExitOk) << grid_err.str();
  EXPECT_NE(grid_err.str().find("warning: sweep.data_seed"), std::string::npos) << grid_err.str();
  EXPECT_TRUE(std::filesystem::exists(options.output_path));
}

// Shards written by a perfgen of another file schema are refused, not merged into a file of two
// layouts.
TEST(Run, ResumeRefusesShardsOfAnotherFileSchema) {
  testing::TempDir dir;
  RunOptions worker = options_for(dir, "schema.h5");
  worker.shard = parse_shard("0/2");
  std::ostringstream out, err;
  ASSERT_EQ(run_command(worker, out, err), kExitOk) << err.str();
  const ShardStore store(worker.output_path);
  const Shard first = store.shards().front();
  FileAttributes older = read_hdf5_attributes(first.path);
  for (auto& [name, version] : older.integers)
    if (name == "schema_version") version = kSchemaVersion - 1;
  store.write_shard({1, 1, 1}, older, {read_hdf5_group(first.path, "trials")}, 4);
  RunOptions resumed = options_for(dir, "schema.h5");
  resumed.resume = true;
  std::ostringstream refused;
  EXPECT_EQ(run_command(resumed, out, refused), kExitBadInput);
  EXPECT_NE(refused.str().find("has file schema " + std::to_string(kSchemaVersion - 1)), std::string::npos)
      << refused.str();
}

// A batch begun before a cancel (its finished trials in a checkpoint) and finished by --resume: its
// shard's wall_seconds holds the checkpoint's seconds too, as its steps hold the checkpoint's rows, so
// the rate `perfgen merge` reports from the shards is not inflated.
TEST(Run, ABatchFinishedFromACheckpointCountsTheCheckpointsSeconds) {
  testing::TempDir dir;
  RunOptions reference = options_for(dir, "reference.h5");
  std::ostringstream out, err;
  ASSERT_EQ(run_command(reference, out, err), kExitOk) << err.str();
  RunOptions worker = options_for(dir, "resumed.h5");
  worker.shard = parse_shard("0/1");  // a worker: its shards stay for merge, to be read here
  worker.resume = true;
  worker.save_interval_seconds = 0;  // a shard per batch
  const ShardStore store(worker.output_path);
  store.create(load_experiment_file(worker.experiment_path, {}).resolved_toml);
  FileAttributes checkpoint;
  checkpoint.numbers = {{"wall_seconds", 1000.0}};  // two trials of batch 1 took 1000 s (say)
  store.write_checkpoint(1, checkpoint, {row_range(read_hdf5_group(reference.output_path, "trials"), "trial", 4, 6)});
  ASSERT_EQ(run_command(worker, out, err), kExitOk) << err.str();
  const ShardIndex index(store, 3);
  ASSERT_EQ(index.finished_batches(), 3);
  for (const Shard& shard : index.shards()) {
    const double seconds = read_hdf5_attributes(shard.path).number_of("wall_seconds").value_or(0.0);
    if (shard.batches.first == 1)
      EXPECT_GE(seconds, 1000.0);
    else
      EXPECT_LT(seconds, 1000.0);
  }
  RunOptions merged = options_for(dir, "resumed.h5");
  std::ostringstream merge_out;
  ASSERT_EQ(merge_command(merged.output_path, false, merge_out, err), kExitOk) << err.str();
  testing::expect_same_trials(reference.output_path, merged.output_path);
  EXPECT_GE(read_hdf5_attributes(merged.output_path).number_of("wall_seconds").value_or(0.0), 1000.0);
}

// --resume with nothing to resume trains a fresh run, and says so (a mistyped -o is not silent); a run
// without --resume does not.
TEST(Run, ResumeWithNothingToResumeSaysSoAndRunsAfresh) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "fresh.h5");
  options.resume = true;
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  EXPECT_NE(err.str().find("perfgen: nothing to resume for " + options.output_path + ": a fresh run\n"),
            std::string::npos)
      << err.str();
  EXPECT_NE(out.str().find("3/3"), std::string::npos) << out.str();
  RunOptions plain = options_for(dir, "plain.h5");
  std::ostringstream plain_out, plain_err;
  ASSERT_EQ(run_command(plain, plain_out, plain_err), kExitOk) << plain_err.str();
  EXPECT_EQ(plain_err.str().find("nothing to resume"), std::string::npos) << plain_err.str();
}

// A shard folder with nothing in it (a run stopped between making it and writing its config.toml) is
// no unfinished run: summary says there is none, and a run trains into it without --resume or --force
// (it was refused as unfinished, and --resume then refused it for want of a config.toml).
TEST(Run, AnEmptyShardFolderIsNoUnfinishedRun) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "empty.h5");
  std::filesystem::create_directory(options.output_path + ".shards");
  std::ostringstream summary_out, summary_err;
  EXPECT_EQ(summary_command(options.output_path, false, summary_out, summary_err), kExitBadInput);
  EXPECT_EQ(summary_err.str(), "perfgen: error: no results file or unfinished run at " + options.output_path + "\n");
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find("3/3"), std::string::npos) << out.str();
  RunOptions resumed = options_for(dir, "resumed.h5");
  std::filesystem::create_directory(resumed.output_path + ".shards");
  resumed.resume = true;
  std::ostringstream resumed_out, resumed_err;
  ASSERT_EQ(run_command(resumed, resumed_out, resumed_err), kExitOk) << resumed_err.str();
}

// --resume on a finished file compares the stored config with the current one and only prints the
// table. The stored text was read through a pointer into a destroyed temporary (garbage, exit 2).
TEST(Run, ResumeOfAFinishedFilePrintsItsTable) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "done.h5");
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  options.resume = true;
  std::ostringstream again, again_err;
  EXPECT_EQ(run_command(options, again, again_err), kExitOk) << again_err.str();
  EXPECT_NE(again.str().find("already complete"), std::string::npos) << again.str();
  EXPECT_NE(again.str().find("3/3"), std::string::npos) << again.str();
  // A file cut short keeps its HDF5 signature: named as damaged, with verify to check it, and kept.
  std::filesystem::resize_file(options.output_path, 3000);
  std::ostringstream cut, cut_err;
  EXPECT_EQ(run_command(options, cut, cut_err), kExitBadInput);
  EXPECT_NE(cut_err.str().find("is an HDF5 file perfgen cannot read as results (damaged? perfgen verify"),
            std::string::npos)
      << cut_err.str();
  EXPECT_EQ(std::filesystem::file_size(options.output_path), 3000u);
}

// A run's pipeline (materialize ahead, write behind, batches collected into few shards) and the
// serial loop writing a shard per batch give the same file, and both report where the time went,
// also in the file's attributes.
TEST(Run, PipelinedAndSerialRunsWriteTheSameTrialsAndReportStageTimes) {
  testing::TempDir dir;
  RunOptions pipelined = options_for(dir, "pipelined.h5"), serial = options_for(dir, "serial.h5");
  serial.serial = true;
  serial.save_interval_seconds = 0;
  std::ostringstream out, err;
  ASSERT_EQ(run_command(pipelined, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find("stages: plan"), std::string::npos) << out.str();
  ASSERT_EQ(run_command(serial, out, err), kExitOk) << err.str();
  testing::expect_same_trials(pipelined.output_path, serial.output_path);
  testing::expect_columns_of(read_hdf5_group(pipelined.output_path, "cells"),
                             read_hdf5_group(serial.output_path, "cells"));
  bool has_train_seconds = false, has_busy_fraction = false;
  for (const auto& [key, value] : read_hdf5_attributes(pipelined.output_path).numbers) {
    has_train_seconds = has_train_seconds || (key == "seconds_train" && value > 0);
    has_busy_fraction = has_busy_fraction || (key == "train_busy_fraction" && value > 0 && value <= 1.0);
  }
  EXPECT_TRUE(has_train_seconds);
  EXPECT_TRUE(has_busy_fraction);
  EXPECT_NE(out.str().find("training busy"), std::string::npos) << out.str();
}

// `perfgen bench` without end-to-end rows (and without their heading): a row per CPU kernel, then the
// CPU latency rows (one network alone, each kernel), each with its time per step.
TEST(Bench, CpuRowsAndLatencyRows) {
  BenchOptions options;
  options.networks = 8;
  options.steps = 100;
  options.cpu_latency_steps = 5000;
  options.end_to_end_trials = {0};  // --end-to-end 0
  std::ostringstream out, err;
  ASSERT_EQ(bench_command(options, out, err), kExitOk) << err.str();
  const std::string text = out.str();
  EXPECT_EQ(text.find("end to end"), std::string::npos) << "no end-to-end heading without its rows:\n" << text;
  std::size_t rows = 0;
  for (std::size_t at = text.find("latency: 1 network x 5000 steps in "); at != std::string::npos;
       at = text.find("latency: 1 network x 5000 steps in ", at + 1))
    ++rows;
  EXPECT_EQ(rows, 2u) << text;
  EXPECT_NE(text.find(" us per step"), std::string::npos) << text;
}

// `perfgen bench`'s end-to-end rows run whole runs: a row per size with its rates and stage line.
TEST(Bench, EndToEndRowsAreWholeRuns) {
  BenchOptions options;
  options.end_to_end_trials = {0, 40, 80};
  options.end_to_end_steps = 10;
  std::ostringstream out;
  const std::string workload = "[data]\ndistribution = \"grid\"\n[train]\nloss_tol = 0.0\n";
  const std::atomic<bool> stop{false};
  EXPECT_TRUE(bench_end_to_end(BackendChoice::cpu, workload, options, stop, out));
  const std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 2 + 2) << text;  // blank line, headings, two rows
  EXPECT_NE(text.find("\n40 "), std::string::npos) << text;
  EXPECT_NE(text.find("\n80 "), std::string::npos) << text;
  EXPECT_EQ(text.find("failed"), std::string::npos) << text;
  EXPECT_NE(text.find("merge"), std::string::npos) << "each row has its stage line: " << text;
  // A signal caught before the rows (stop set) runs none of them.
  const std::atomic<bool> stopped{true};
  std::ostringstream none;
  EXPECT_FALSE(bench_end_to_end(BackendChoice::cpu, workload, options, stopped, none));
  EXPECT_EQ(none.str().find("\n40 "), std::string::npos) << none.str();
}

// The table of a whole /cells group.
void print_cell_table(std::ostream& out, const ColumnGroup& cells, std::size_t max_rows) {
  CellTable table(max_rows);
  table.add(cells);
  table.print(out);
}

// A long table shows its first and last cells and says how many it left out.
TEST(CellTable, ShowsTheFirstAndLastCellsOfALongTable) {
  const Experiment e = testing::experiment_from(kSmall, {"sweep.c_tilde={linspace=[0, 1, 50]}"});
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan);
  const ColumnGroup cells = cell_columns(plan, result_groups(plan, run.trials, run.outcomes)[0]);
  std::ostringstream shown_text, all_text;
  print_cell_table(shown_text, cells, 10);
  print_cell_table(all_text, cells, 0);
  const std::string shown = shown_text.str(), all = all_text.str();
  EXPECT_NE(shown.find("... 90 more cells"), std::string::npos) << shown;
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 2 + 100);         // header, rule, 100 cells
  EXPECT_EQ(std::count(shown.begin(), shown.end(), '\n'), 2 + 10 + 1);  // and the line that says so
  const auto last_line = [](const std::string& text) { return text.substr(text.rfind('\n', text.size() - 2)); };
  EXPECT_EQ(last_line(shown), last_line(all)) << "the last cell is shown";
  // Fed a piece at a time (as the merge and the summary do), the table is the same text.
  for (const std::size_t max_rows : {0u, 10u, 11u, 99u, 100u, 200u}) {
    SCOPED_TRACE(max_rows);
    std::ostringstream whole, streamed;
    print_cell_table(whole, cells, max_rows);
    CellTable table(max_rows);
    for (std::size_t first = 0; first < 100; first += 7)
      table.add(row_range(cells, "cell", first, std::min<std::size_t>(first + 7, 100)));
    table.print(streamed);
    EXPECT_EQ(streamed.str(), whole.str());
    EXPECT_EQ(table.rows(), 100u);
    const std::string text = streamed.str();
    const std::size_t cells_shown =
        max_rows == 0 || max_rows >= 100 ? 100 : max_rows / 2 * 2;  // an odd limit shows one less
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), static_cast<long>(2 + cells_shown + (cells_shown < 100)));
  }
}

TEST(Run, UnfinishedRunHasASummaryAndResumesToTheSameTrials) {
  testing::TempDir dir;
  const RunOptions reference = options_for(dir, "reference.h5");
  std::ostringstream out, err;
  ASSERT_EQ(run_command(reference, out, err), kExitOk) << err.str();

  // Simulate a run killed after its first batch: config and one shard on disk, no final file.
  RunOptions resumed = options_for(dir, "resumed.h5");
  const Experiment e = load_experiment_file(resumed.experiment_path, {});
  const Plan plan(e);
  const ShardStore store(resumed.output_path);
  store.create(e.resolved_toml);
  const testing::TrainedTrials first_batch = testing::train_trials(plan, 0, 4, 1);
  store.write_shard({0, 0, 1}, {}, result_groups(plan, first_batch.trials, first_batch.outcomes), 4);

  std::ostringstream partial;
  ASSERT_EQ(summary_command(resumed.output_path, false, partial, err), kExitOk) << err.str();
  EXPECT_NE(partial.str().find("4 of 12 trials finished"), std::string::npos) << partial.str();
  // A shard trained for another experiment (its config_hash not the store's) is refused by merge.
  {
    const ShardStore other(dir.file("other.h5"));
    other.create(e.resolved_toml);
    FileAttributes foreign;
    foreign.text.emplace_back("config_hash", "0123456789abcdef");
    other.write_shard({0, 0, 1}, foreign, result_groups(plan, first_batch.trials, first_batch.outcomes), 4);
    std::ostringstream merge_out, merge_err;
    EXPECT_EQ(merge_command(dir.file("other.h5"), false, merge_out, merge_err), kExitBadInput);
    EXPECT_NE(merge_err.str().find("was trained for another experiment (config_hash 0123456789abcdef, the run's " +
                                   fingerprint(e.resolved_toml)),
              std::string::npos)
        << merge_err.str();
  }
  // One of its shards copied out is named as a shard, not as a file that cannot be read.
  const std::string copy = dir.file("copied-shard.h5");
  std::filesystem::copy_file(store.result_files().front(), copy);
  std::ostringstream copy_out, copy_err;
  EXPECT_EQ(summary_command(copy, false, copy_out, copy_err), kExitBadInput);
  EXPECT_EQ(copy_err.str(), "perfgen: error: " + copy +
                                " holds trials but no /cells: a shard of a run, not a finished results file (perfgen "
                                "summary on the run's FILE.h5.shards folder shows the run, perfgen merge writes its "
                                "file)\n");

  std::ostringstream refused;
  EXPECT_EQ(run_command(resumed, out, refused), kExitBadInput);
  EXPECT_NE(refused.str().find("--resume"), std::string::npos) << refused.str();
  // A merge of it names the run to continue, not --shard workers this run never had.
  std::ostringstream merge_out, merge_refused;
  EXPECT_EQ(merge_command(resumed.output_path, false, merge_out, merge_refused), kExitBadInput);
  EXPECT_NE(merge_refused.str().find("have no shard yet (first: batch 1); continue the run that wrote them"),
            std::string::npos)
      << merge_refused.str();

  RunOptions changed = resumed;
  changed.resume = true;
  changed.overrides = {"train.lr=0.2"};
  std::ostringstream differs;
  EXPECT_EQ(run_command(changed, out, differs), kExitBadInput);
  EXPECT_NE(differs.str().find("lr"), std::string::npos) << differs.str();

  resumed.resume = true;
  ASSERT_EQ(run_command(resumed, out, err), kExitOk) << err.str();
  testing::expect_same_trials(reference.output_path, resumed.output_path);
  // The rate the file records is of the steps this run took: the 8 trials it trained, not all 12.
  const ColumnGroup rows = read_hdf5_group(resumed.output_path, "trials");
  double all_steps = 0, resumed_steps = 0;
  for (std::size_t i = 0; i < rows.at("trial").rows(); ++i) {
    const double steps = static_cast<double>(rows.at("iterations").integer[i]);
    all_steps += steps;
    if (rows.at("trial").integer[i] >= 4) resumed_steps += steps;
  }
  double wall = 0, rate = 0;
  for (const auto& [key, value] : read_hdf5_attributes(resumed.output_path).numbers) {
    if (key == "wall_seconds") wall = value;
    if (key == "network_steps_per_second") rate = value;
  }
  ASSERT_GT(resumed_steps, 0);
  ASSERT_LT(resumed_steps, all_steps);
  EXPECT_NEAR(rate * wall, resumed_steps, 1e-6 * resumed_steps);
}

TEST(CellSummary, WilsonIntervalKnownValues) {
  // 5 of 10 at 95%: the standard Wilson interval is [0.2366, 0.7634].
  const auto [lo, hi] = wilson_interval(5, 10);
  EXPECT_NEAR(lo, 0.2366, 1e-4);
  EXPECT_NEAR(hi, 0.7634, 1e-4);
  const auto [zero_lo, zero_hi] = wilson_interval(0, 4);
  EXPECT_EQ(zero_lo, 0.0);
  EXPECT_NEAR(zero_hi, 0.4899, 1e-4);
  EXPECT_TRUE(std::isnan(wilson_interval(0, 0).first));
  // The ends at none and all are exact, at any count (center − half left 5.4e-20 at 0 of 4000).
  for (const std::int64_t total : {1, 40, 400, 4000, 40000}) {
    EXPECT_EQ(wilson_interval(0, total).first, 0.0) << total;
    EXPECT_EQ(wilson_interval(total, total).second, 1.0) << total;
    EXPECT_GT(wilson_interval(0, total).second, 0.0) << total;
    EXPECT_LT(wilson_interval(total, total).first, 1.0) << total;
  }
}

// Coordinates are printed with the digits it takes to tell the shown cells apart (4 at least): with 4
// alone, 0.9999 and 0.99995 both printed as 0.9999.
TEST(CellSummary, TheTablePrintsDistinctCoordinatesDistinctly) {
  testing::TempDir dir;
  RunOptions options = options_for(dir, "close.h5");
  options.overrides = {"train.max_iters=1", "sweep.n=[2]", "sweep.data_seed=[0]",
                       "sweep.c_tilde=[0.25, 0.9999, 0.99995, 1.0]"};
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  for (const char* shown : {"\n2     0.25  ", "\n2   0.9999  ", "\n2  0.99995  ", "\n2        1  "})
    EXPECT_NE(out.str().find(shown), std::string::npos) << shown << " in\n" << out.str();
  // Integers whole: a budget of 1234567 printed as 1.235e+06.
  options.output_path = dir.file("budgets.h5");
  options.overrides = {"sweep.n=[2]", "sweep.data_seed=[0]", "sweep.c_tilde=[0.5]", "sweep.max_iters=[2, 1234567]"};
  options.experiment_path = dir.file("budgets.toml");
  std::ofstream(options.experiment_path) << "[train]\nloss_tol = 1.0\n";  // every trial stops at once
  std::ostringstream budgets, budgets_err;
  ASSERT_EQ(run_command(options, budgets, budgets_err), kExitOk) << budgets_err.str();
  EXPECT_NE(budgets.str().find("  1234567  "), std::string::npos) << budgets.str();
}

TEST(CellSummary, QuantilesInterpolate) {
  const double sorted[] = {1.0, 2.0, 3.0, 4.0};
  EXPECT_DOUBLE_EQ(sorted_quantile(sorted, 4, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(sorted_quantile(sorted, 4, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(sorted_quantile(sorted, 4, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(sorted_quantile(sorted, 4, 0.25), 1.75);
  EXPECT_TRUE(std::isnan(sorted_quantile(sorted, 0, 0.5)));
}

TEST(Plan, ProductOfAxesInTheDocumentedOrder) {
  const Experiment e = testing::experiment_from(kSmall);
  const Plan plan(e);
  ASSERT_EQ(plan.cells().size(), 4u);
  EXPECT_EQ(plan.trial_count(), 12);
  EXPECT_EQ(plan.cells()[1].n, 2);
  EXPECT_EQ(plan.cells()[1].c_tilde, 1.0);
  EXPECT_EQ(plan.cells()[2].n, 4);
  const TrialId id = plan.trial(7);  // cell 2, data seed index 1
  EXPECT_EQ(id.cell, 2);
  EXPECT_EQ(id.data_seed, 1);
}

}  // namespace
}  // namespace perfgen
