// The perfgen binary killed at random moments: SIGKILL leaves a readable unfinished run that --resume
// completes to the same trial data as an uninterrupted run; SIGTERM stops within seconds with exit 75.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "child_process.h"
#include "hdf5_io.h"
#include "test_support.h"

namespace perfgen {
namespace {

using testing::expect_same_trials;
using testing::Process;
using testing::read_file;

// 32 trials that each run exactly 4·10^6 steps on one thread, in 8 batches (a shard each): about three
// seconds.
// clang-format off
const std::vector<std::string> kWorkload = {
    "run", "--backend", "cpu", "--threads", "1", "--quiet", "--save-interval", "0",
    "--set", "train.loss_tol=0", "--set", "train.max_iters=4000000", "--set", "run.batch_size=4",
    "--set", "sweep.n=[6]", "--set", "sweep.c_tilde=[0.0, 1.0]", "--set", "sweep.data_seed={range=[0, 16]}"};
// clang-format on

std::vector<std::string> with_output(const std::string& output, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = kWorkload;
  args.push_back("-o");
  args.push_back(output);
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(CrashSafety, KilledThreeTimesThenResumedEqualsAnUninterruptedRun) {
  testing::TempDir dir;
  const std::string reference = dir.file("reference.h5"), killed = dir.file("killed.h5");
  ASSERT_EQ(Process(with_output(reference), dir.file("reference.log")).wait(120), 0)
      << read_file(dir.file("reference.log"));

  int kills = 0;
  for (const double seconds : {0.4, 0.7, 1.1}) {
    Process run(with_output(killed, kills ? std::vector<std::string>{"--resume"} : std::vector<std::string>{}),
                dir.file("killed.log"));
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    run.signal(SIGKILL);
    if (run.wait(30) == 128 + SIGKILL) ++kills;
    // Whatever was on disk at the kill is readable (a kill before the first write leaves nothing).
    const std::string target = std::filesystem::exists(killed) ? killed : killed + ".shards";
    if (!std::filesystem::exists(target)) continue;
    EXPECT_EQ(Process({"summary", target}, dir.file("summary.log")).wait(30), 0) << read_file(dir.file("summary.log"));
  }
  EXPECT_GE(kills, 1) << "the run finished before any kill; the workload is too small for this machine";
  ASSERT_EQ(Process(with_output(killed, {"--resume"}), dir.file("resume.log")).wait(120), 0)
      << read_file(dir.file("resume.log"));
  EXPECT_FALSE(std::filesystem::exists(killed + ".shards"));
  expect_same_trials(reference, killed);
}

TEST(CrashSafety, SigtermStopsWithinSecondsWithExit75AndResumes) {
  testing::TempDir dir;
  const std::string output = dir.file("term.h5");
  Process run(with_output(output), dir.file("term.log"));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const auto sent = std::chrono::steady_clock::now();
  run.signal(SIGTERM);
  const int code = run.wait(30);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  const std::string log = read_file(dir.file("term.log"));
  if (code == 0) GTEST_SKIP() << "the run finished before SIGTERM arrived";
  EXPECT_EQ(code, 75) << log;
  EXPECT_LT(seconds, 5.0);
  EXPECT_NE(log.find("--resume"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(output));
  EXPECT_TRUE(std::filesystem::exists(output + ".shards/config.toml"));
  EXPECT_EQ(Process(with_output(output, {"--resume"}), dir.file("resume.log")).wait(120), 0)
      << read_file(dir.file("resume.log"));
  EXPECT_TRUE(std::filesystem::exists(output));
}

}  // namespace
}  // namespace perfgen
