// The perfgen binary killed at random moments: SIGKILL leaves a readable unfinished run that --resume
// completes to the same trial data as an uninterrupted run; SIGTERM stops within seconds with exit 75;
// SIGINT and SIGTERM in the middle of a batch lose none of its finished trials.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
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
  testing::report_reliability("SIGKILL at 3 moments: " + std::to_string(kills) +
                              " kills, resumed to the trial data of an uninterrupted run");
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
  // The hint runs the continuation as this run went: same backend, threads, shard cadence, quiet.
  EXPECT_NE(log.find(" --backend cpu --threads 1 --save-interval 0 --quiet --resume\n"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(output));
  EXPECT_TRUE(std::filesystem::exists(output + ".shards/config.toml"));
  EXPECT_EQ(Process(with_output(output, {"--resume"}), dir.file("resume.log")).wait(120), 0)
      << read_file(dir.file("resume.log"));
  EXPECT_TRUE(std::filesystem::exists(output));
}

// The trials a run trained, from its last line: the stop message or the final file's line.
std::int64_t trained_by(const std::string& log, std::int64_t total) {
  std::smatch found;
  if (std::regex_search(log, found, std::regex(R"(\((\d+) trained by this run\))"))) return std::stoll(found[1]);
  if (log.find("wrote ") != std::string::npos) return total;  // an uninterrupted run trains them all
  ADD_FAILURE() << "no count of trained trials in:\n" << log;
  return 0;
}

TEST(CrashSafety, InterruptsAtRandomMomentsOfOneBatchLoseNoFinishedTrial) {
  testing::TempDir dir;
  const std::string reference = dir.file("reference.h5"), output = dir.file("interrupted.h5");
  // One batch of all 32 trials: without checkpoints, every interrupt would lose all the batch's trials.
  const std::vector<std::string> one_batch = {"--set", "run.batch_size=32"};
  ASSERT_EQ(Process(with_output(reference, one_batch), dir.file("reference.log")).wait(120), 0)
      << read_file(dir.file("reference.log"));
  std::random_device entropy;
  const unsigned seed = entropy();
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> moment(0.1, 1.2);
  std::ostringstream history;
  history << "seed " << seed << ":";
  std::int64_t trained = 0;
  int interrupts = 0;
  for (int k = 0; k < 5; ++k) {
    std::vector<std::string> args = one_batch;
    if (k > 0) args.push_back("--resume");
    Process run(with_output(output, args), dir.file("run.log"));
    const double seconds = moment(random);
    const int signal = k % 2 ? SIGTERM : SIGINT;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    run.signal(signal);
    const int code = run.wait(60);
    const std::string log = read_file(dir.file("run.log"));
    history << " signal " << signal << " at " << seconds << " s: exit " << code << ";";
    ASSERT_TRUE(code == 75 || code == 0) << history.str() << "\n" << log;
    trained += trained_by(log, 32);
    if (code == 0) break;
    ++interrupts;
  }
  if (std::filesystem::exists(output + ".shards")) {
    ASSERT_EQ(Process(with_output(output, {"--set", "run.batch_size=32", "--resume"}), dir.file("last.log")).wait(120), 0)
        << read_file(dir.file("last.log"));
    trained += trained_by(read_file(dir.file("last.log")), 32);
  }
  EXPECT_GE(interrupts, 1) << history.str() << " the run finished before any interrupt";
  EXPECT_EQ(trained - 32, 0) << "trials trained twice (finished trials lost by an interrupt); " << history.str();
  testing::report_reliability("SIGINT/SIGTERM at random moments of one 32-trial batch: " + std::to_string(interrupts) +
                              " interrupts, " + std::to_string(trained - 32) + " finished trials lost");
  expect_same_trials(reference, output);
}

}  // namespace
}  // namespace perfgen
