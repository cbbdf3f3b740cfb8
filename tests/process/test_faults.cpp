// Faults while running: an output that fills up stops the run with a clear error and leaves every
// shard written before readable; a network that blows up is diverged and leaves the others untouched.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "child_process.h"
#include "test_support.h"

namespace perfgen {
namespace {

// The default experiment in batches of 25: 6 shards of ~130 KiB each (HDF5's per-dataset overhead
// dominates such small batches).
int run_into(const std::string& output, const std::string& log, rlim_t file_size_limit = RLIM_INFINITY) {
  const pid_t child = fork();
  if (child == 0) {
    const rlimit limit{file_size_limit, file_size_limit};
    setrlimit(RLIMIT_FSIZE, &limit);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    execl(PERFGEN_BINARY, PERFGEN_BINARY, "run", "-o", output.c_str(), "--backend", "cpu", "--quiet", "--set",
          "train.max_iters=2000", "--set", "run.batch_size=25", "--set", "sweep.data_seed={range=[0, 6]}",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Steps per trial of the disk-full run: a batch of 25 trials takes ~0.4 s in release, long enough to
// fill the disk between two shards; ASan + UBSan run ~11× slower (a batch took 18 s, and a loaded CI
// machine pushed the run past the waits), so there a fifth of the steps keeps batches of seconds.
#if defined(__SANITIZE_ADDRESS__)
constexpr char kDiskFullSteps[] = "train.max_iters=200000";
#else
constexpr char kDiskFullSteps[] = "train.max_iters=1000000";
#endif

TEST(Faults, DiskFullMidRunStopsWithAClearErrorAndKeepsEarlierShards) {
  testing::TempDir dir;
  const std::string disk = dir.file("small-disk");
  std::filesystem::create_directory(disk);
  if (std::system(("mount -t tmpfs -o size=2m tmpfs " + disk + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root); the file-size-limit test still runs";
  struct Unmount {
    std::string path;
    ~Unmount() { std::system(("umount " + path).c_str()); }
  } unmount_at_end{disk};
  // Another process fills the disk once two shards are written (the up-front check saw enough room).
  const std::string output = disk + "/full.h5", log = dir.file("full.log");
  testing::Process run(
      {"run", "-o", output, "--backend", "cpu", "--quiet", "--set", "train.loss_tol=0", "--set", kDiskFullSteps,
       "--set", "run.batch_size=25", "--set", "sweep.data_seed={range=[0, 6]}", "--save-interval", "0"},
      log);
  auto shards_written = [&] {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(output + ".shards"))
      count += entry.path().extension() == ".h5";
    return count;
  };
  testing::wait_for([&] { return std::filesystem::exists(output + ".shards") && shards_written() >= 2; }, 60);
  const std::uintmax_t free_bytes = std::filesystem::space(disk).available;
  std::vector<char> ballast(free_bytes, 'x');
  std::ofstream(disk + "/ballast", std::ios::binary)
      .write(ballast.data(), static_cast<std::streamsize>(ballast.size()));
  const int code = run.wait(120);
  const std::string message = testing::read_file(log);
  EXPECT_EQ(code, 1) << message;
  EXPECT_NE(message.find("cannot write"), std::string::npos) << message;
  EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(output));
  // The batches written before the disk filled up are intact and readable.
  std::filesystem::remove(disk + "/ballast");
  const std::string summary_log = dir.file("summary.log");
  EXPECT_EQ(testing::Process({"summary", output}, summary_log).wait(30), 0) << testing::read_file(summary_log);
  const std::string summary = testing::read_file(summary_log);
  EXPECT_NE(summary.find("unfinished run"), std::string::npos) << summary;
  EXPECT_EQ(summary.find(" 0 of 150"), std::string::npos) << summary;
}

TEST(Faults, FileSizeLimitFailsTheFirstShardCleanly) {
  testing::TempDir dir;
  const std::string output = dir.file("limited.h5"), log = dir.file("limited.log");
  const int code = run_into(output, log, 40 << 10);
  const std::string message = testing::read_file(log);
  EXPECT_EQ(code, 1) << message;  // an error and exit code, not a crash
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(output));
  for (const auto& entry : std::filesystem::directory_iterator(output + ".shards"))
    EXPECT_EQ(entry.path().filename(), "config.toml") << "no partial shard is left behind";
}

// No byte may be written at all (ulimit -f 0): the run's first write, the shards' config.toml, fails
// with exit 1 (an I/O failure, not bad input) and leaves neither a temporary nor the folder it made. (The
// message cannot be written either: the log is a file under the same limit.)
TEST(Faults, AFileSizeLimitOfZeroFailsBeforeAnyShardAndLeavesNothing) {
#ifdef __SANITIZE_THREAD__
  GTEST_SKIP() << "ThreadSanitizer's runtime writes a file of its own before main, which a limit of 0 kills";
#endif
  testing::TempDir dir;
  const std::string output = dir.file("nothing.h5");
  EXPECT_EQ(run_into(output, dir.file("nothing.log"), 0), 1);
  EXPECT_FALSE(std::filesystem::exists(output + ".shards"));
  EXPECT_FALSE(std::filesystem::exists(output));
}

// A merge whose shard folder cannot be deleted (here a file made immutable; for a user, a folder they
// may not write) has written the whole file: it warns, names what is left, and exits 0 with the table.
TEST(Faults, AStoreThatCannotBeDeletedAfterTheMergeIsAWarningAndTheFileIsWhole) {
  testing::TempDir dir;
  const std::string output = dir.file("kept.h5"), log = dir.file("kept.log");
  ASSERT_EQ(testing::Process({"run", "-o", output, "--backend", "cpu", "--quiet", "--shard", "0/1", "--set",
                              "sweep.n=[2, 3]", "--set", "sweep.data_seed=[0]", "--set", "train.max_iters=100"},
                             log)
                .wait(60),
            0)
      << testing::read_file(log);
  const std::string pinned = output + ".shards/config.toml";
  if (std::system(("chattr +i " + pinned + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "chattr +i is not possible here (needs root on ext4 or a like filesystem)";
  struct Unpin {
    std::string shards;
    ~Unpin() { std::system(("chattr -i " + shards + "*/config.toml 2>/dev/null").c_str()); }
  } unpin_at_end{output + ".shards"};
  const int code = testing::Process({"merge", output}, log).wait(60);
  const std::string message = testing::read_file(log);
  EXPECT_EQ(code, 0) << message;
  EXPECT_NE(message.find("warning: " + output + " is complete, but " + output +
                         ".shards.removing could not be deleted (Operation not permitted"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("wrote " + output + ": 10 trials"), std::string::npos) << message;
  const std::string verify_log = dir.file("verify.log");
  EXPECT_EQ(testing::Process({"verify", output}, verify_log).wait(30), 0) << testing::read_file(verify_log);
}

// Standard output that cannot be written (/dev/full: every write fails with ENOSPC) is an error, exit 1,
// not a table lost with exit 0.
TEST(Faults, StandardOutputThatCannotBeWrittenIsAnError) {
  testing::TempDir dir;
  const std::string output = dir.file("table.h5"), log = dir.file("table.log");
  ASSERT_EQ(testing::Process({"run", "-o", output, "--backend", "cpu", "--quiet", "--set", "sweep.n=[2]", "--set",
                              "sweep.data_seed=[0]", "--set", "train.max_iters=100"},
                             log)
                .wait(60),
            0)
      << testing::read_file(log);
  const std::string command =
      std::string(PERFGEN_BINARY) + " summary " + output + " > /dev/full 2> " + dir.file("summary.log");
  const int status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1) << testing::read_file(dir.file("summary.log"));
  EXPECT_NE(testing::read_file(dir.file("summary.log")).find("cannot write standard output"), std::string::npos);
  const std::string help = std::string(PERFGEN_BINARY) + " run --help > /dev/full 2> /dev/null";
  EXPECT_EQ(WEXITSTATUS(std::system(help.c_str())), 1) << "--help, printed by CLI11 before any command runs";
}

// A cancel whose checkpoint cannot be written: the write's error is reported (exit 1, not a silent
// "stopped"), and the batch that had finished before, still waiting for its shard, is written anyway.
TEST(Faults, ACheckpointThatCannotBeWrittenAtACancelIsReportedAndEarlierBatchesAreKept) {
  testing::TempDir dir;
  const std::string experiment = dir.file("cancel.toml"), output = dir.file("cancel.h5"), log = dir.file("cancel.log");
  // Batch 0 (trials 0 and 1) and trial 2 finish at once; trial 3 runs until the cancel.
  std::ofstream(experiment) << "[data]\ndistribution = \"gaussian\"\nn = 10000\n[train]\nlr = 1e-7\nloss_tol = 1e-30\n"
                               "[sweep]\nmax_iters = [10, 11, 12, 100000000]\n";
  testing::Process run({"run", experiment, "-o", output, "--backend", "cpu", "--threads", "1", "--cpu-kernel", "scalar",
                        "--quiet", "--set", "run.batch_size=2"},
                       log);
  // The checkpoint's temporary name (shard_store.cpp) is taken by a folder, so writing it fails.
  const std::string shards = output + ".shards";
  testing::wait_for([&] { return std::filesystem::exists(shards + "/config.toml"); }, 60);
  std::filesystem::create_directory(shards + "/batch-00000001-checkpoint.h5.tmp-" + std::to_string(run.pid()));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // trial 3 trains by then (it runs for hours)
  run.signal(SIGINT);
  const int code = run.wait(60);
  const std::string message = testing::read_file(log);
  EXPECT_EQ(code, 1) << message;
  EXPECT_NE(message.find("cannot write"), std::string::npos) << message;
  EXPECT_TRUE(std::filesystem::exists(shards + "/batches-00000000-to-00000000-every-1.h5")) << message;
}

// Ctrl-C during `perfgen bench` stops it after the row in flight with exit 75 and says that the rows
// above are complete: in an end-to-end row it exited 0, printing the interrupted run's hint to resume
// in a folder the bench then removed.
TEST(Faults, AnInterruptedBenchExitsSeventyFiveAndSaysSo) {
  testing::TempDir dir;
  const std::string log = dir.file("bench.log");
  const testing::Process bench({"bench", "--networks", "64", "--steps", "100", "--cpu-latency-steps", "0",
                                "--end-to-end", "1000000", "--end-to-end-steps", "100000"},
                               log);
  // Until the end-to-end row's run has made its shard folder (bench's temporary folder is named by its pid).
  const std::filesystem::path store = std::filesystem::temp_directory_path() /
                                      ("perfgen-bench-" + std::to_string(bench.pid())) / "end-to-end.h5.shards";
  for (int i = 0; i < 12000 && !std::filesystem::exists(store); ++i) {
    if (testing::read_file(log).find("\nCUDA: ") != std::string::npos) {
      bench.signal(SIGKILL);
      bench.wait(10);
      GTEST_SKIP() << "a usable GPU: its rows come before the end-to-end ones and take long";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(std::filesystem::exists(store)) << testing::read_file(log);
  bench.signal(SIGINT);
  const int code = bench.wait(120);
  const std::string text = testing::read_file(log);
  EXPECT_EQ(code, 75) << text;
  EXPECT_NE(text.find("1000000     interrupted\n"), std::string::npos) << text;
  EXPECT_NE(text.find("perfgen: SIGINT: bench stopped; the rows above are complete\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("continue with"), std::string::npos) << text;
}

TEST(Faults, ADivergingNetworkLeavesItsNeighboursUntouched) {
  const char* experiment =
      "[data]\ndistribution = \"grid\"\n[train]\nmax_iters = 3000\n[sweep]\nn = [6]\n"
      "c_tilde = [0.0, 0.5, 1.0]\n";
  const Experiment calm = testing::experiment_from(experiment, {"sweep.lr=[0.05]"});
  const Experiment mixed = testing::experiment_from(experiment, {"sweep.lr=[0.05, 1e8]"});
  const testing::TrainedTrials alone = testing::train_trials(Plan(calm));
  const testing::TrainedTrials together = testing::train_trials(Plan(mixed));
  ASSERT_EQ(together.outcomes.size(), 2 * alone.outcomes.size());
  // Cells run n, ..., c_tilde, lr with lr fastest: trials 0, 2, 4 have lr 0.05, trials 1, 3, 5 lr 1e8.
  for (std::size_t i = 0; i < alone.outcomes.size(); ++i) {
    const TrialOutcome& calm_run = alone.outcomes[i];
    const TrialOutcome& neighbour = together.outcomes[2 * i];
    EXPECT_EQ(std::memcmp(calm_run.theta.data(), neighbour.theta.data(), calm_run.theta.size() * sizeof(double)), 0);
    EXPECT_EQ(calm_run.train.iterations, neighbour.train.iterations);
    EXPECT_EQ(together.outcomes[2 * i + 1].train.status, TrainStatus::diverged);
  }
}

}  // namespace
}  // namespace perfgen
