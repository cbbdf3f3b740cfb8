// Damaged HDF5 files given to the binary: a result file to `summary`, shards of an unfinished run to
// `--resume` and to `merge`. Every damaged copy gives the original numbers or an error that names the
// damage; never a crash, a hang or a silently different number. A damaged shard is set aside and its
// trials are trained again.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "child_process.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace perfgen {
namespace {

using testing::Process;
using testing::read_file;

// clang-format off
const std::vector<std::string> kSweep = {
    "--backend", "cpu", "--quiet", "--save-interval", "0", "--set", "sweep.n=[3, 6]",
    "--set", "sweep.c_tilde=[0.0, 1.0]", "--set", "sweep.data_seed={range=[0, 20]}",
    "--set", "train.max_iters=200", "--set", "run.batch_size=16"};
// clang-format on

int perfgen(std::vector<std::string> args, const std::string& log) {
  return Process(PERFGEN_BINARY, std::move(args), log, rlim_t{4} << 30).wait(60);
}

std::vector<std::string> run_args(const std::string& output, std::vector<std::string> extra) {
  std::vector<std::string> args{"run", "-o", output};
  args.insert(args.end(), kSweep.begin(), kSweep.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Overwrites 8 random bytes of the file with other values.
void damage(const std::string& path, std::mt19937_64& random) {
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (int k = 0; k < 8; ++k) bytes[random() % bytes.size()] ^= static_cast<char>(1 + random() % 255);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<std::string> shards_of(const std::string& store) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(store))
    if (entry.path().extension() == ".h5") found.push_back(entry.path().string());
  std::sort(found.begin(), found.end());
  return found;
}

class DamagedFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(perfgen(run_args(reference, {}), dir.file("reference.log")), 0) << read_file(dir.file("reference.log"));
    ASSERT_EQ(perfgen(run_args(half, {"--shard", "0/2"}), dir.file("half.log")), 0) << read_file(dir.file("half.log"));
  }
  // A fresh copy of the half-done run (the batches of worker 0 of 2) as `output`, one shard damaged.
  std::string damaged_half(const std::string& name, std::mt19937_64& random) {
    const std::string output = dir.file(name);
    fs::copy(half + ".shards", output + ".shards");
    const std::vector<std::string> shards = shards_of(output + ".shards");
    damage(shards[random() % shards.size()], random);
    return output;
  }
  testing::TempDir dir;
  const std::string reference = dir.file("reference.h5"), half = dir.file("half.h5");
};

TEST_F(DamagedFiles, SummaryOfADamagedResultFileGivesTheOriginalTableOrNamesTheDamage) {
  ASSERT_EQ(perfgen({"summary", reference}, dir.file("table.log")), 0);
  const std::string table = read_file(dir.file("table.log"));
  std::mt19937_64 random(20261201);
  int refused = 0;
  for (int copy = 0; copy < 30; ++copy) {
    const std::string path = dir.file("reference.h5");  // same name: the table's title line names the file
    const std::string kept = dir.file("kept.h5");
    fs::copy_file(reference, kept, fs::copy_options::overwrite_existing);
    damage(path, random);
    const int code = perfgen({"summary", path}, dir.file("summary.log"));
    const std::string log = read_file(dir.file("summary.log"));
    fs::copy_file(kept, path, fs::copy_options::overwrite_existing);
    SCOPED_TRACE("copy " + std::to_string(copy) + ": " + log);
    ASSERT_TRUE(code == 0 || code == 1) << "a crash or an unexpected code: " << code;
    if (code == 0) {
      EXPECT_EQ(log, table) << "a damaged file gave a different table";
    } else {
      EXPECT_NE(log.find("reference.h5"), std::string::npos) << "the message names the file";
      ++refused;
    }
  }
  EXPECT_GT(refused, 5);
  testing::report_reliability("summary of 30 damaged result files: " + std::to_string(refused) +
                              " refused naming the file, " + std::to_string(30 - refused) +
                              " gave the original table, 0 crashes or other numbers");
}

TEST_F(DamagedFiles, ResumeSetsADamagedShardAsideAndTrainsItsBatchesAgain) {
  std::mt19937_64 random(20261202);
  int set_aside = 0;
  for (int copy = 0; copy < 12; ++copy) {
    const std::string output = damaged_half("resumed-" + std::to_string(copy) + ".h5", random);
    const int code = perfgen(run_args(output, {"--resume"}), dir.file("resume.log"));
    const std::string log = read_file(dir.file("resume.log"));
    SCOPED_TRACE("copy " + std::to_string(copy) + ": " + log);
    ASSERT_EQ(code, 0);
    if (log.find("is damaged") != std::string::npos) ++set_aside;
    testing::expect_same_trials(reference, output);
  }
  EXPECT_GT(set_aside, 6) << "most damage lands in what verify reads";
  testing::report_reliability("--resume of 12 runs with a damaged shard: " + std::to_string(set_aside) +
                              " shards set aside and retrained, every run equal to an uninterrupted one");
}

TEST_F(DamagedFiles, MergeRefusesWhileADamagedShardIsSetAsideAndAWorkerRedoesIt) {
  std::mt19937_64 random(20261203);
  int refused = 0;
  for (int copy = 0; copy < 6; ++copy) {
    const std::string output = damaged_half("merged-" + std::to_string(copy) + ".h5", random);
    ASSERT_EQ(perfgen(run_args(output, {"--shard", "1/2"}), dir.file("worker.log")), 0)
        << read_file(dir.file("worker.log"));
    const int code = perfgen({"merge", output}, dir.file("merge.log"));
    const std::string log = read_file(dir.file("merge.log"));
    SCOPED_TRACE("copy " + std::to_string(copy) + ": " + log);
    if (code != 0) {
      EXPECT_EQ(code, 2);
      EXPECT_NE(log.find("is damaged"), std::string::npos);
      EXPECT_NE(log.find("no shard yet"), std::string::npos);
      EXPECT_FALSE(fs::exists(output));
      ++refused;
      ASSERT_EQ(perfgen(run_args(output, {"--shard", "0/2"}), dir.file("redo.log")), 0) << read_file(dir.file("redo.log"));
      ASSERT_EQ(perfgen({"merge", output}, dir.file("merge.log")), 0) << read_file(dir.file("merge.log"));
    }
    testing::expect_same_trials(reference, output);
  }
  testing::report_reliability("merge of 6 runs with a damaged shard: " + std::to_string(refused) +
                              " refused until a worker redid the set-aside batches, all 6 equal to an uninterrupted run");
}

}  // namespace
}  // namespace perfgen
