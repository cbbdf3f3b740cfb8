// The binary's `perfgen rank`: its report on stdout with exit 0, and bad input refused with exit 2
// and one message on stderr, nothing on stdout.
#include <gtest/gtest.h>

#include <algorithm>

#include "child_process.h"
#include "test_support.h"

namespace perfgen {
namespace {

TEST(RankBinary, PrintsAppendixBSampleSizes) {
  testing::TempDir dir;
  const std::string log = dir.file("rank.log");
  const int code =
      testing::Process({"rank", "--set", "model.input_dim=3", "--set", "target.w=[1,1,1]"}, log).wait(60);
  const std::string text = testing::read_file(log);
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("\noptimistic sample size: 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nseparation sample size of Q^2 (j = 1): 6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nseparation sample size of Q^1 (j = 2): 9\n"), std::string::npos) << text;
}

TEST(RankBinary, RefusesAnotherTargetActivationWithExitTwo) {
  testing::TempDir dir;
  const std::string log = dir.file("rank.log");
  const int code = testing::Process({"rank", "--set", "target.activation=rational"}, log).wait(60);
  const std::string text = testing::read_file(log);
  EXPECT_EQ(code, 2) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_EQ(text.rfind("perfgen: error: target.activation:", 0), 0u) << text;
}

}  // namespace
}  // namespace perfgen
