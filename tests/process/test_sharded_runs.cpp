// Sweeps split over processes: Slurm-array style (K = 3 processes with --shard i/K, then `perfgen
// merge`) and MPI (mpirun -n 2 and 3); the merged file's trial data equal a single-process run's, bitwise.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "child_process.h"
#include "commands.h"
#include "cpu_share.h"
#include "hdf5_io.h"
#include "run_lock.h"
#include "test_support.h"

namespace perfgen {
namespace {

using testing::Process;
using testing::read_file;

// clang-format off
const std::vector<std::string> kSweep = {
    "run", "--backend", "cpu", "--threads", "1", "--quiet",
    "--set", "train.max_iters=20000", "--set", "run.batch_size=5",
    "--set", "sweep.n=[3, 5, 6]", "--set", "sweep.data_seed={range=[0, 6]}"};
// clang-format on

std::vector<std::string> sweep_to(const std::string& output, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = kSweep;
  args.push_back("-o");
  args.push_back(output);
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(ShardedRuns, ThreeWorkersAndAMergeEqualOneProcess) {
  testing::TempDir dir;
  const std::string single = dir.file("single.h5"), sharded = dir.file("sharded.h5");
  ASSERT_EQ(Process(sweep_to(single), dir.file("single.log")).wait(120), 0) << read_file(dir.file("single.log"));

  std::vector<Process> workers;
  for (int i = 0; i < 3; ++i)
    workers.emplace_back(sweep_to(sharded, {"--shard", std::to_string(i) + "/3"}),
                         dir.file("worker" + std::to_string(i) + ".log"));
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(workers[i].wait(120), 0) << read_file(dir.file("worker" + std::to_string(i) + ".log"));
  EXPECT_FALSE(std::filesystem::exists(sharded)) << "workers never merge";

  ASSERT_EQ(Process({"merge", sharded}, dir.file("merge.log")).wait(60), 0) << read_file(dir.file("merge.log"));
  EXPECT_FALSE(std::filesystem::exists(sharded + ".shards"));
  testing::expect_same_trials(single, sharded);
}

TEST(ShardedRuns, MergeRefusesWhileShardsAreMissing) {
  testing::TempDir dir;
  const std::string output = dir.file("partial.h5");
  ASSERT_EQ(Process(sweep_to(output, {"--shard", "1/3"}), dir.file("worker.log")).wait(120), 0)
      << read_file(dir.file("worker.log"));
  EXPECT_EQ(Process({"merge", output}, dir.file("merge.log")).wait(60), 2);
  EXPECT_NE(read_file(dir.file("merge.log")).find("have no shard yet (first: batch 0, --shard 0/3's)"),
            std::string::npos)
      << read_file(dir.file("merge.log"));
  EXPECT_FALSE(std::filesystem::exists(output));
  EXPECT_EQ(Process(sweep_to(output, {"--shard", "3/3"}), dir.file("bad.log")).wait(60), 2);
  EXPECT_NE(read_file(dir.file("bad.log")).find("--shard"), std::string::npos);
}

// A finished file with an unfinished run of the same experiment beside it (here a --force worker's
// half; an interrupted --force run leaves the same): the run is newer work, never a leftover of the
// file. A plain run says --resume continues it; --resume trains the rest and replaces the file. (It
// once printed "already complete" and removed the shards.)
TEST(ShardedRuns, AnUnfinishedRunBesideAFinishedFileIsContinuedNotRemoved) {
  testing::TempDir dir;
  const std::string output = dir.file("redo.h5"), reference = dir.file("reference.h5");
  ASSERT_EQ(Process(sweep_to(reference), dir.file("reference.log")).wait(120), 0);
  std::filesystem::copy_file(reference, output);
  ASSERT_EQ(Process(sweep_to(output, {"--shard", "0/2", "--force"}), dir.file("worker.log")).wait(120), 0)
      << read_file(dir.file("worker.log"));
  ASSERT_EQ(Process({"summary", output}, dir.file("summary.log")).wait(60), 0);
  EXPECT_NE(read_file(dir.file("summary.log")).find("an unfinished run is beside it in " + output + ".shards"),
            std::string::npos)
      << read_file(dir.file("summary.log"));
  EXPECT_EQ(Process(sweep_to(output), dir.file("plain.log")).wait(60), 2);
  EXPECT_NE(read_file(dir.file("plain.log")).find("pass --resume to continue that run"), std::string::npos)
      << read_file(dir.file("plain.log"));
  ASSERT_EQ(Process(sweep_to(output, {"--resume"}), dir.file("resume.log")).wait(120), 0)
      << read_file(dir.file("resume.log"));
  EXPECT_NE(read_file(dir.file("resume.log")).find("90 trials (45 trained by this run)"), std::string::npos)
      << read_file(dir.file("resume.log"));
  EXPECT_FALSE(std::filesystem::exists(output + ".shards"));
  testing::expect_same_trials(reference, output);
}

#ifdef PERFGEN_MPIEXEC
// How often `part` occurs in `text`.
std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// `mpirun ARGS...`, its output in `log`; 0 on success.
int mpirun(const std::vector<std::string>& args, const std::string& log) {
  if (geteuid() == 0) {  // Open MPI refuses root unless told that it is on purpose
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  }
  return Process(PERFGEN_MPIEXEC, args, log).wait(180);
}

// `mpirun [LAUNCHER...] -n RANKS perfgen RUN...`, its output in `log`; 0 on success.
int run_under_mpirun(int ranks, const std::vector<std::string>& run, const std::string& log,
                     std::vector<std::string> launcher = {}) {
  std::vector<std::string>& args = launcher;
  args.insert(args.end(), {"--oversubscribe", "-n", std::to_string(ranks), PERFGEN_BINARY});
  args.insert(args.end(), run.begin(), run.end());
  return mpirun(args, log);
}
#endif

TEST(MpiRuns, TwoAndThreeRanksEqualOneProcess) {
#ifndef PERFGEN_MPIEXEC
  GTEST_SKIP() << "perfgen was built without MPI (no MPI found at configure time)";
#else
  testing::TempDir dir;
  const std::string single = dir.file("single.h5");
  ASSERT_EQ(Process(sweep_to(single), dir.file("single.log")).wait(120), 0) << read_file(dir.file("single.log"));
  for (const int ranks : {2, 3}) {
    SCOPED_TRACE(std::to_string(ranks) + " ranks");
    const std::string output = dir.file("mpi" + std::to_string(ranks) + ".h5");
    const std::string log = dir.file("mpi" + std::to_string(ranks) + ".log");
    ASSERT_EQ(run_under_mpirun(ranks, sweep_to(output), log), 0) << read_file(log);
    EXPECT_FALSE(std::filesystem::exists(output + ".shards"));
    EXPECT_FALSE(std::filesystem::exists(output + ".lock")) << "a finished run leaves no lock file";
    testing::expect_same_trials(single, output);
  }
#endif
}

// An MPI job that finds part of the run done (here by a --shard 0/2 worker: the even batches, rank 0's,
// 45 of the 90 trials) trains the rest and says how many its ranks trained together: all 45 by rank 1,
// so rank 0, which merges, must have been told them.
TEST(MpiRuns, AJobThatContinuesARunCountsWhatItsRanksTrained) {
#ifndef PERFGEN_MPIEXEC
  GTEST_SKIP() << "perfgen was built without MPI (no MPI found at configure time)";
#else
  testing::TempDir dir;
  const std::string single = dir.file("single.h5"), output = dir.file("continued.h5");
  ASSERT_EQ(Process(sweep_to(single), dir.file("single.log")).wait(120), 0) << read_file(dir.file("single.log"));
  ASSERT_EQ(Process(sweep_to(output, {"--shard", "0/2"}), dir.file("worker.log")).wait(120), 0)
      << read_file(dir.file("worker.log"));
  const std::string log = dir.file("mpi.log");
  ASSERT_EQ(run_under_mpirun(2, sweep_to(output), log), 0) << read_file(log);
  EXPECT_NE(read_file(log).find("90 trials (45 trained by this run)"), std::string::npos) << read_file(log);
  testing::expect_same_trials(single, output);
#endif
}

// Workers of --shard i/3 are running (here: one, its locks held by the test): a worker of i/2 would
// train batches of theirs, and the merge would find a batch in two shards; it is refused before any
// work. A worker of i/3 joins them.
// A merge renames the shard folder and deletes it under a summary or verify of the folder that reads
// it: they say so (exit 1) or find no run (exit 2, once it has gone), and never call a shard damaged,
// with advice to train it again.
TEST(ShardedRuns, SummaryAndVerifyDuringAMergeDoNotCallTheShardsDamaged) {
  testing::TempDir dir;
  const std::string output = dir.file("busy.h5");
  for (int i = 0; i < 2; ++i)  // a shard per batch: 18 files to read
    ASSERT_EQ(
        Process(sweep_to(output, {"--shard", std::to_string(i) + "/2", "--save-interval", "0"}), dir.file("worker.log"))
            .wait(120),
        0)
        << read_file(dir.file("worker.log"));
  Process merge({"merge", output}, dir.file("merge.log"));
  int reads = 0;
  for (const auto start = std::chrono::steady_clock::now();
       std::filesystem::exists(output + ".shards") &&
       std::chrono::steady_clock::now() - start < std::chrono::seconds(60);
       ++reads) {
    for (const bool summary : {true, false}) {
      std::ostringstream out, err;
      const int code =
          summary ? summary_command(output + ".shards", false, out, err) : verify_command(output + ".shards", out, err);
      EXPECT_EQ(err.str().find("damaged"), std::string::npos) << err.str();
      if (code == 1)
        EXPECT_NE(err.str().find(".shards was merged or removed while " + std::string(summary ? "summary" : "verify")),
                  std::string::npos)
            << err.str();
      else if (code == 2)
        EXPECT_NE(err.str().find("no results file or unfinished run"), std::string::npos) << err.str();
      else if (code == 0)  // then what it read is the whole run
        EXPECT_NE(out.str().find(summary ? "90 of 90 trials finished" : "whole (18 files"), std::string::npos)
            << out.str();
      else
        ADD_FAILURE() << "exit " << code << ": " << err.str();
    }
  }
  ASSERT_EQ(merge.wait(60), 0) << read_file(dir.file("merge.log"));
  EXPECT_GT(reads, 0);
}

TEST(ShardedRuns, AWorkerOfAnotherSplitIsRefusedWhileWorkersRun) {
  testing::TempDir dir;
  const std::string output = dir.file("split.h5");
  {
    const RunLock worker(output + ".lock", RunLock::Mode::shared);
    const RunLock shard_one(output + ".shard-1-of-3.lock", RunLock::Mode::exclusive);
    EXPECT_EQ(Process(sweep_to(output, {"--shard", "0/2"}), dir.file("other.log")).wait(60), 2);
    EXPECT_NE(read_file(dir.file("other.log")).find("workers of --shard i/3 are running on"), std::string::npos)
        << read_file(dir.file("other.log"));
    EXPECT_FALSE(std::filesystem::exists(output + ".shards")) << "refused before any work";
    ASSERT_EQ(Process(sweep_to(output, {"--shard", "0/3"}), dir.file("same.log")).wait(120), 0)
        << read_file(dir.file("same.log"));
  }
  // Once they have ended, another split may continue the run, also beside a worker's lock file that a
  // killed worker left (unheld).
  std::ofstream(output + ".shard-2-of-3.lock") << "a worker that was killed\n";
  EXPECT_EQ(Process(sweep_to(output, {"--shard", "1/2"}), dir.file("later.log")).wait(120), 0)
      << read_file(dir.file("later.log"));
}

// A --shard worker holding rank 0's shard of the same output: rank 0 cannot lock it, and every rank
// stops at once, before training (rank 1 waited forever in the closing collective for rank 0).
TEST(MpiRuns, ARankThatCannotLockStopsEveryRank) {
#ifndef PERFGEN_MPIEXEC
  GTEST_SKIP() << "perfgen was built without MPI (no MPI found at configure time)";
#else
  testing::TempDir dir;
  const std::string output = dir.file("held.h5");
  const RunLock worker(output + ".lock", RunLock::Mode::shared);
  const RunLock shard_zero(output + ".shard-0-of-2.lock", RunLock::Mode::exclusive);
  const std::string log = dir.file("mpi.log");
  EXPECT_EQ(run_under_mpirun(2, sweep_to(output), log), 2) << read_file(log);
  EXPECT_EQ(occurrences(read_file(log), "another perfgen is writing this run"), 1u) << read_file(log);
  EXPECT_EQ(occurrences(read_file(log), "another rank of this job"), 0u) << "rank 0 said why itself\n"
                                                                         << read_file(log);
  EXPECT_FALSE(std::filesystem::exists(output + ".shards")) << "no rank trained";
#endif
}

// A run lock that another perfgen holds stops every rank in the same words: printed once for the job.
TEST(MpiRuns, ALockHeldByAnotherRunIsReportedOnce) {
#ifndef PERFGEN_MPIEXEC
  GTEST_SKIP() << "perfgen was built without MPI (no MPI found at configure time)";
#else
  testing::TempDir dir;
  const std::string output = dir.file("held.h5");
  const RunLock whole_run(output + ".lock", RunLock::Mode::exclusive);
  const std::string log = dir.file("mpi.log");
  EXPECT_EQ(run_under_mpirun(3, sweep_to(output), log), 2) << read_file(log);
  EXPECT_EQ(occurrences(read_file(log), "another perfgen is writing this run"), 1u) << read_file(log);
  EXPECT_FALSE(std::filesystem::exists(output + ".shards")) << "no rank trained";
#endif
}

// Bad input, in the experiment or in the command line, is one message for the whole job, not one per
// rank; a rank that fails where rank 0 does not (here: mpirun's MPMD form gives the ranks different
// arguments) still says why.
TEST(MpiRuns, BadInputIsReportedOncePerJob) {
#ifndef PERFGEN_MPIEXEC
  GTEST_SKIP() << "perfgen was built without MPI (no MPI found at configure time)";
#else
  testing::TempDir dir;
  const std::string bad = "model.width: must be in [1, 1000000], got 0";
  const std::string log = dir.file("bad.log");
  EXPECT_EQ(run_under_mpirun(3, sweep_to(dir.file("bad.h5"), {"--set", "model.width=0"}), log), 2) << read_file(log);
  EXPECT_EQ(occurrences(read_file(log), bad), 1u) << read_file(log);
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.h5.shards"))) << "no rank trained";

  std::vector<std::string> mixed = {"--oversubscribe", "-n", "1", PERFGEN_BINARY};
  const std::vector<std::string> good_rank = sweep_to(dir.file("mixed.h5"));
  mixed.insert(mixed.end(), good_rank.begin(), good_rank.end());
  mixed.insert(mixed.end(), {":", "-n", "1", PERFGEN_BINARY});
  const std::vector<std::string> bad_rank = sweep_to(dir.file("mixed.h5"), {"--set", "model.width=0"});
  mixed.insert(mixed.end(), bad_rank.begin(), bad_rank.end());
  const std::string mixed_log = dir.file("mixed.log");
  EXPECT_EQ(mpirun(mixed, mixed_log), 2) << read_file(mixed_log);
  EXPECT_EQ(occurrences(read_file(mixed_log), bad), 1u) << read_file(mixed_log);
  EXPECT_EQ(occurrences(read_file(mixed_log), "another rank of this job cannot start the run"), 1u)
      << read_file(mixed_log);
  EXPECT_FALSE(std::filesystem::exists(dir.file("mixed.h5.shards"))) << "no rank trained";

  // A command line that does not parse, on every rank and on one rank only.
  const std::string threads_log = dir.file("threads.log");
  EXPECT_EQ(run_under_mpirun(3, sweep_to(dir.file("threads.h5"), {"--threads", "1025"}), threads_log), 2)
      << read_file(threads_log);
  EXPECT_EQ(occurrences(read_file(threads_log), "--threads: must be a whole number"), 1u) << read_file(threads_log);
  std::vector<std::string> misspelt = {"--oversubscribe", "-n", "1", PERFGEN_BINARY};
  misspelt.insert(misspelt.end(), good_rank.begin(), good_rank.end());
  misspelt.insert(misspelt.end(), {":", "-n", "1", PERFGEN_BINARY});
  const std::vector<std::string> misspelt_rank = sweep_to(dir.file("mixed.h5"), {"--resum"});
  misspelt.insert(misspelt.end(), misspelt_rank.begin(), misspelt_rank.end());
  const std::string misspelt_log = dir.file("misspelt.log");
  EXPECT_EQ(mpirun(misspelt, misspelt_log), 2) << read_file(misspelt_log);
  EXPECT_EQ(occurrences(read_file(misspelt_log), "did you mean --resume?"), 1u) << read_file(misspelt_log);
  EXPECT_EQ(occurrences(read_file(misspelt_log), "another rank of this job cannot start the run"), 1u)
      << read_file(misspelt_log);
  EXPECT_FALSE(std::filesystem::exists(dir.file("mixed.h5.shards"))) << "no rank trained";
#endif
}

// A refusal found while preparing the output (the file exists, the sweep is too large) is printed once,
// before any rank trains (each rank printed it).
TEST(MpiRuns, AnExistingOutputOrASweepTooLargeIsReportedOncePerJob) {
#ifndef PERFGEN_MPIEXEC
  GTEST_SKIP() << "perfgen was built without MPI (no MPI found at configure time)";
#else
  testing::TempDir dir;
  const std::string output = dir.file("taken.h5"), log = dir.file("taken.log");
  std::ofstream(output) << "a file the user keeps\n";
  EXPECT_EQ(run_under_mpirun(3, sweep_to(output), log), 2) << read_file(log);
  EXPECT_EQ(occurrences(read_file(log), output + " exists (this sweep was merged already?)"), 1u) << read_file(log);
  EXPECT_FALSE(std::filesystem::exists(output + ".shards")) << "no rank trained";
  EXPECT_FALSE(std::filesystem::exists(output + ".lock")) << "the ranks' last holder of the lock removes it";
  EXPECT_EQ(read_file(output), "a file the user keeps\n");
  // 10^9 trials: rank 0, which also merges, may lack memory where the others lack disk; rank 0's
  // refusal is the job's one message.
  const std::string huge = dir.file("huge.h5"), huge_log = dir.file("huge.log");
  EXPECT_EQ(run_under_mpirun(3,
                             sweep_to(huge, {"--set", "sweep.data_seed={range=[0, 1000000]}", "--set",
                                             "sweep.init_seed={range=[0, 1000]}"}),
                             huge_log),
            2)
      << read_file(huge_log);
  EXPECT_EQ(occurrences(read_file(huge_log), "perfgen: error: sweep: needs"), 1u) << read_file(huge_log);
  EXPECT_FALSE(std::filesystem::exists(huge + ".shards")) << "no rank trained";
#endif
}

// Without --threads, ranks that mpirun left on the same CPUs split them instead of each starting one
// thread per CPU (ranks bound to CPUs of their own keep those: usable_cpus()).
TEST(MpiRuns, RanksOfOneNodeShareItsCpus) {
#ifndef PERFGEN_MPIEXEC
  GTEST_SKIP() << "perfgen was built without MPI (no MPI found at configure time)";
#else
  if (usable_cpus() < 2) GTEST_SKIP() << "one CPU: every rank gets one thread whether shared or not";
  testing::TempDir dir;
  std::vector<std::string> run = sweep_to(dir.file("shared.h5"));
  run.erase(std::find(run.begin(), run.end(), "--threads"), std::find(run.begin(), run.end(), "--quiet"));
  const int ranks = 2;
  ASSERT_EQ(run_under_mpirun(ranks, run, dir.file("mpi.log"), {"--bind-to", "none"}), 0)
      << read_file(dir.file("mpi.log"));
  const FileAttributes attributes = read_hdf5_attributes(dir.file("shared.h5"));
  const std::optional<std::string> device = attributes.text_of("device");
  ASSERT_TRUE(device);
  // "CPU, N threads, ..." of the rank that wrote the first shard (rank 0: the larger share).
  const int threads = std::stoi(device->substr(device->find(", ") + 2));
  EXPECT_EQ(threads, share_of_cpus(usable_cpus(), 0, ranks)) << *device;
#endif
}

}  // namespace
}  // namespace perfgen
