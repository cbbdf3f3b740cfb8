// One writer per run: a second process on the same output is refused naming the first; workers of a
// sharded sweep run side by side, each shard once; a lock left by a killed run blocks nothing.
// Also the run's printed commands: a resume hint that the shell reads back as it was given.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <thread>

#include "child_process.h"
#include "command_support.h"
#include "commands.h"
#include "run_lock.h"
#include "test_support.h"

namespace perfgen {
namespace {

using testing::Process;
using testing::read_file;

TEST(RunLock, ExclusiveExcludesEveryoneAndSharedOnlyExclusive) {
  testing::TempDir dir;
  const std::string path = dir.file("out.h5.lock");
  {
    const RunLock first(path, RunLock::Mode::exclusive);
    EXPECT_THROW(RunLock(path, RunLock::Mode::exclusive), InputError);
    EXPECT_THROW(RunLock(path, RunLock::Mode::shared), InputError);
    EXPECT_NE(read_file(path).find("pid " + std::to_string(::getpid())), std::string::npos) << read_file(path);
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "the exclusive holder removes its lock file";
  {
    const RunLock worker(path, RunLock::Mode::shared);
    {
      const RunLock other_worker(path, RunLock::Mode::shared);
      EXPECT_THROW(RunLock(path, RunLock::Mode::exclusive), InputError);
    }
    EXPECT_TRUE(std::filesystem::exists(path)) << "a shared holder that is not the last leaves the file";
    EXPECT_THROW(RunLock(path, RunLock::Mode::exclusive), InputError) << "and the other still holds it";
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "the last shared holder removes the lock file";
  {
    auto worker = std::make_unique<RunLock>(path, RunLock::Mode::shared);
    std::filesystem::remove(path);  // as a holder that ended would; then another run takes the path
    const RunLock next_run(path, RunLock::Mode::exclusive);
    worker.reset();
    EXPECT_TRUE(std::filesystem::exists(path)) << "a holder leaving removes its own file, not a newer one";
  }
  std::ofstream(path) << "pid 999999 on a-host-that-died since 2026-01-01T00:00:00Z\n";  // no flock held
  EXPECT_NO_THROW(RunLock(path, RunLock::Mode::exclusive)) << "a stale lock file blocks nothing";
  std::ofstream(path) << "pid 999999 on a-host-that-died since 2026-01-01T00:00:00Z\n";
  {
    const RunLock worker(path, RunLock::Mode::shared);
    try {
      RunLock(path, RunLock::Mode::exclusive);
      ADD_FAILURE() << "a worker holds the lock";
    } catch (const InputError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("workers of a sharded run"), std::string::npos) << message;
      EXPECT_EQ(message.find("999999"), std::string::npos) << "the dead holder's line is not the holder: " << message;
    }
  }
}

// A holder on its way out holds the lock exclusively for a moment (to learn whether it is the last); a
// worker starting then waits that out instead of being refused. One that stays is still refused.
TEST(RunLock, AHolderLeavingDoesNotRefuseTheNextWorker) {
  testing::TempDir dir;
  const std::string path = dir.file("out.h5.lock");
  auto leaving = std::make_unique<RunLock>(path, RunLock::Mode::exclusive);
  std::thread leave([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    leaving.reset();
  });
  EXPECT_NO_THROW(RunLock(path, RunLock::Mode::shared));
  leave.join();
  const RunLock staying(path, RunLock::Mode::exclusive);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(RunLock(path, RunLock::Mode::shared), InputError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << "refused, not waited for";
}

// 32 trials of exactly 4·10^6 steps on one thread: a few seconds, long enough to collide with.
std::vector<std::string> long_run(const std::string& output, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"run",
                                   "--backend",
                                   "cpu",
                                   "--threads",
                                   "1",
                                   "--quiet",
                                   "--save-interval",
                                   "0",
                                   "--set",
                                   "train.loss_tol=0",
                                   "--set",
                                   "train.max_iters=4000000",
                                   "--set",
                                   "run.batch_size=4",
                                   "--set",
                                   "sweep.n=[6]",
                                   "--set",
                                   "sweep.c_tilde=[0.0, 1.0]",
                                   "--set",
                                   "sweep.data_seed={range=[0, 16]}",
                                   "-o",
                                   output};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(RunLock, ASecondRunOfTheSameOutputIsRefusedAndAKilledOneBlocksNothing) {
  testing::TempDir dir;
  const std::string output = dir.file("locked.h5");
  const Process first(long_run(output), dir.file("first.log"));
  testing::wait_for([&] { return read_file(output + ".lock").find("pid") != std::string::npos; }, 20);
  const Process second(long_run(output, {"--resume"}), dir.file("second.log"));
  EXPECT_EQ(second.wait(30), 2);
  const std::string refused = read_file(dir.file("second.log"));
  EXPECT_NE(refused.find("another perfgen"), std::string::npos) << refused;
  EXPECT_NE(refused.find("pid " + std::to_string(first.pid())), std::string::npos) << refused;
  first.signal(SIGKILL);
  EXPECT_EQ(first.wait(30), 128 + SIGKILL);
  ASSERT_TRUE(std::filesystem::exists(output + ".lock")) << "a killed run leaves its lock file";
  EXPECT_EQ(Process(long_run(output, {"--resume"}), dir.file("resume.log")).wait(120), 0)
      << read_file(dir.file("resume.log"));
  EXPECT_TRUE(std::filesystem::exists(output));
  EXPECT_FALSE(std::filesystem::exists(output + ".lock"));
}

TEST(RunLock, TheSameShardTwiceIsRefusedAndAShardOfOneDoesNotMerge) {
  testing::TempDir dir;
  const std::string output = dir.file("sharded.h5");
  const Process worker(long_run(output, {"--shard", "0/2"}), dir.file("worker.log"));
  testing::wait_for([&] { return std::filesystem::exists(output + ".shard-0-of-2.lock"); }, 20);
  EXPECT_EQ(Process(long_run(output, {"--shard", "0/2"}), dir.file("twice.log")).wait(30), 2)
      << read_file(dir.file("twice.log"));
  EXPECT_EQ(Process({"merge", output}, dir.file("merge.log")).wait(30), 2) << "merge waits for the workers";
  EXPECT_NE(read_file(dir.file("merge.log")).find("another perfgen"), std::string::npos)
      << read_file(dir.file("merge.log"));
  // The workers share the run's lock and write nothing in it; each is named from its shard lock.
  EXPECT_NE(read_file(dir.file("merge.log")).find("workers of a sharded run: shard 0/2: pid "), std::string::npos)
      << read_file(dir.file("merge.log"));
  worker.signal(SIGKILL);
  worker.wait(30);

  RunOptions one;  // --shard 0/1 is a worker too: it trains everything and leaves the merge
  one.output_path = dir.file("one.h5");
  one.shard = parse_shard("0/1");
  one.backend = BackendChoice::cpu;
  one.quiet = true;
  one.overrides = {"sweep.n=[3]", "sweep.c_tilde=[0.5]", "sweep.data_seed=[0, 1]", "train.max_iters=100"};
  std::ostringstream out, err;
  ASSERT_EQ(run_command(one, out, err), kExitOk) << err.str();
  EXPECT_FALSE(std::filesystem::exists(one.output_path));
  EXPECT_EQ(merge_command(one.output_path, false, out, err), kExitOk) << err.str();
  EXPECT_TRUE(std::filesystem::exists(one.output_path));
}

TEST(RunCommand, QuietSaysNothingOnStderrWhenAllGoesWell) {
  testing::TempDir dir;
  RunOptions options;
  options.output_path = dir.file("quiet.h5");
  options.quiet = true;  // backend auto: no "backend auto: …" line either
  options.overrides = {"sweep.n=[3]", "sweep.c_tilde=[0.5]", "sweep.data_seed=[0]", "train.max_iters=100"};
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  EXPECT_EQ(err.str(), "");
}

TEST(ShellWord, TheShellReadsBackWhatWasQuoted) {
  for (const std::string text : {"name=it's", "plain.toml", "sweep.c_tilde={linspace=[0, 1, 5]}", "a b", "$HOME", "''",
                                 "back\\slash", "new\nline", ""}) {
    testing::TempDir dir;
    const std::string echoed = dir.file("echoed");
    ASSERT_EQ(std::system(("printf %s " + shell_word(text) + " > " + echoed).c_str()), 0) << shell_word(text);
    EXPECT_EQ(read_file(echoed), text) << shell_word(text);
  }
  EXPECT_EQ(shell_word("out/run-1.h5"), "out/run-1.h5");
}

}  // namespace
}  // namespace perfgen
