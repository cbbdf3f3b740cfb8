// Damaged files: every chunk carries a checksum that HDF5 checks on read, so a corrupted result file
// gives an error naming a dataset, never a silently different number. `perfgen verify` reads all of it.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <thread>

#include "chunk_codec.h"
#include "commands.h"
#include "errors.h"
#include "file_check.h"
#include "hdf5_io.h"
#include "interrupt.h"
#include "shard_spec.h"
#include "test_support.h"

namespace perfgen {
namespace {

// Known answers of HDF5's H5_checksum_fletcher32 (H5checksum.c), worked by hand from its definition.
TEST(Fletcher32, KnownAnswers) {
  EXPECT_EQ(fletcher32({}), 0u);
  EXPECT_EQ(fletcher32({0x01, 0x02}), (0x0102u << 16) | 0x0102u);
  EXPECT_EQ(fletcher32({0x01, 0x02, 0x03}), ((0x0102u + 0x0102u + 0x0300u) << 16) | (0x0102u + 0x0300u));
  const std::vector<unsigned char> appended = append_fletcher32({0x01, 0x02});
  EXPECT_EQ(appended, (std::vector<unsigned char>{0x01, 0x02, 0x02, 0x01, 0x02, 0x01}));  // little-endian
}

std::vector<ColumnGroup> all_groups(const std::string& path) {
  return {read_hdf5_group(path, "trials"), read_hdf5_group(path, "cells")};
}

// A quiet run on the CPU into dir/OUTPUT with the given overrides.
RunOptions quiet_cpu_run(const testing::TempDir& dir, const std::string& output, std::vector<std::string> overrides) {
  RunOptions options;
  options.output_path = dir.file(output);
  options.backend = BackendChoice::cpu;
  options.quiet = true;
  options.overrides = std::move(overrides);
  return options;
}

// An unfinished run (one worker of four has written its shards): verify takes FILE.h5 as summary does,
// or its FILE.h5.shards (a shell may add a '/'), and reads every shard; a folder that is not a run's shards is refused.
TEST(Verify, ChecksTheShardsOfAnUnfinishedRunByEitherName) {
  testing::TempDir dir;
  RunOptions options =
      quiet_cpu_run(dir, "unfinished.h5", {"sweep.n=[3, 6]", "train.max_iters=200", "run.batch_size=16"});
  options.shard = parse_shard("0/4");
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  ASSERT_FALSE(std::filesystem::exists(options.output_path));
  for (const std::string& named :
       {options.output_path, options.output_path + ".shards", options.output_path + ".shards/"}) {
    std::ostringstream report;
    EXPECT_EQ(verify_command(named, report, err), kExitOk) << err.str();
    EXPECT_NE(report.str().find(options.output_path + ".shards: whole (1 file,"), std::string::npos) << report.str();
  }
  std::ofstream(dir.file("stranger.h5")) << "not a results file";
  std::ostringstream report, refusal;
  EXPECT_EQ(verify_command(dir.path().string(), report, refusal), kExitBadInput);
  EXPECT_NE(refusal.str().find(dir.path().string() + " is a folder, not a results file or the shards of a run"),
            std::string::npos)
      << refusal.str();
  std::ostringstream nothing;
  EXPECT_EQ(verify_command(dir.file("nothing.h5"), report, nothing), kExitBadInput);
  EXPECT_NE(nothing.str().find("no results file or unfinished run at"), std::string::npos) << nothing.str();
}

// 40 copies of a results file, each with 8 random bytes overwritten. verify must refuse a copy or
// read back exactly the original numbers; it must never pass a copy whose numbers changed.
TEST(Verify, ACorruptedFileIsAnErrorNamingADatasetNeverAWrongNumber) {
  testing::TempDir dir;
  const RunOptions options =
      quiet_cpu_run(dir, "original.h5",
                    {"sweep.n=[3, 6]", "sweep.c_tilde=[0.0, 1.0]", "sweep.data_seed={range=[0, 20]}",
                     "train.max_iters=200", "run.batch_size=16"});
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), kExitOk) << err.str();
  std::ostringstream whole;
  ASSERT_EQ(verify_command(options.output_path, whole, err), kExitOk) << err.str();
  EXPECT_NE(whole.str().find("whole"), std::string::npos) << whole.str();
  const std::vector<ColumnGroup> original = all_groups(options.output_path);
  std::ifstream in(options.output_path, std::ios::binary);
  const std::string bytes(std::istreambuf_iterator<char>(in), {});
  std::mt19937_64 random(20261130);
  int refused = 0, intact = 0;
  for (int copy = 0; copy < 40; ++copy) {
    std::string damaged = bytes;
    for (int k = 0; k < 8; ++k) damaged[random() % damaged.size()] ^= static_cast<char>(1 + random() % 255);
    const std::string path = dir.file("damaged-" + std::to_string(copy) + ".h5");
    std::ofstream(path, std::ios::binary) << damaged;
    std::ostringstream verdict, problem;
    const int code = verify_command(path, verdict, problem);
    if (code != kExitOk) {
      EXPECT_EQ(code, kExitRuntimeError) << problem.str();
      EXPECT_NE(problem.str().find("damaged"), std::string::npos) << problem.str();
      ++refused;
      continue;
    }
    ++intact;  // the bytes hit were not read (padding, free space): the numbers must be the original's
    const std::vector<ColumnGroup> read = all_groups(path);
    for (std::size_t g = 0; g < read.size(); ++g) testing::expect_columns_of(original[g], read[g]);
  }
  EXPECT_GT(refused, 20) << "most random damage lands in chunks or metadata (" << intact << " intact)";
  testing::report_reliability("verify of 40 damaged result files: " + std::to_string(refused) + " named as damaged, " +
                              std::to_string(intact) + " read back the original numbers");
  std::ostringstream none;
  EXPECT_EQ(verify_command(dir.file("missing.h5"), none, none), kExitBadInput);
}

// A signal that perfgen handles (SIGINT, SIGTERM) may arrive while a check reads in a child process
// (a resume or merge reads every shard first): the parent's read of the child's text is interrupted
// and resumed, so nothing is lost and no healthy file is taken for a damaged one.
TEST(ReadInChild, ASignalHandledWhileReadingLosesNothing) {
  const InterruptHandling interrupts;
  const pthread_t reader = ::pthread_self();
  std::thread signaller([reader] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::pthread_kill(reader, SIGTERM);  // to the thread blocked in read(), so that the read is interrupted
  });
  std::string text;
  try {
    text = read_in_child(
        [] {
          std::this_thread::sleep_for(std::chrono::milliseconds(400));
          return std::string(100000, 'x');
        },
        "a test");
  } catch (const std::exception& failure) {  // a cut-off text fails to parse
    ADD_FAILURE() << failure.what();
  }
  signaller.join();
  EXPECT_EQ(text, std::string(100000, 'x'));
  EXPECT_TRUE(interrupts.requested());
}

// A resume or a merge reads every shard in a child process before it goes on: minutes at 10^8 trials,
// for ever on a hung mount (here a FIFO, which nothing writes: opening it blocks). A stop (the flag a
// signal sets) gives the reading up at once; it was acted on only once the reading had ended.
TEST(VerifyInChild, AStopGivesTheReadingUp) {
  testing::TempDir dir;
  const std::string hung = dir.file("hung.h5");
  ASSERT_EQ(::mkfifo(hung.c_str(), 0644), 0);
  std::atomic<bool> stop{false};
  std::thread stopper([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  EXPECT_THROW(verify_files_in_child({hung}, &stop), ReadingStopped);
  stopper.join();
}

// The same for one read in a child (a resume of a finished run reads its table so): a reading that
// would take a minute is given up once the flag is set.
TEST(VerifyInChild, AStopGivesUpAReadInAChild) {
  std::atomic<bool> stop{false};
  std::thread stopper([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  EXPECT_THROW(read_in_child(
                   [] {
                     std::this_thread::sleep_for(std::chrono::seconds(60));
                     return std::string("read in full");
                   },
                   "a slow table", &stop),
               ReadingStopped);
  stopper.join();
}

}  // namespace
}  // namespace perfgen
