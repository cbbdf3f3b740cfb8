// `perfgen rank` in-process (host/theory/rank_report.h, host/run/rank_command.cpp): the paper's
// numbers for Example 1 and Appendix B, the exact check against the floating-point rank, other
// shapes, and bad input refused with exit 2 and one message before any work.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "command_support.h"
#include "commands.h"
#include "errors.h"
#include "rank_report.h"
#include "test_support.h"

namespace perfgen {
namespace {

const BranchFindings& find(const RankReport& r, const std::string& label) {
  for (const BranchFindings& b : r.branches)
    if (b.branch.label() == label) return b;
  throw std::runtime_error("no branch " + label);
}

// The embedded default experiment (Example 1 on Gaussian data), or `toml` on Gaussian data; with overrides.
RankReport report_for(std::vector<std::string> overrides, const std::string& toml = "") {
  if (!toml.empty()) overrides.insert(overrides.begin(), "data.distribution=gaussian");
  const Experiment e =
      toml.empty() ? load_experiment_or_default("", overrides) : testing::experiment_from(toml, overrides);
  return analyse_rank(e.model, e.target, e.data);
}

// Every model rank decided with a clear gap: kept ≥ 1e-7·σ_1, dropped ≤ 1e-13·σ_1, and its check agrees.
void expect_clear_decisions(const RankReport& r) {
  for (const BranchFindings& b : r.branches)
    for (const RankFinding* f : {&b.generic, &b.corner}) {
      EXPECT_TRUE(f->agrees()) << b.branch.label();
      EXPECT_GE(f->check_rank, 0) << b.branch.label();
      EXPECT_GT(f->svd.kept(), 1e-7) << b.branch.label();
      EXPECT_LT(f->svd.dropped(), 1e-13) << b.branch.label();
      if (!f->exact) {
        EXPECT_GT(f->check.kept(), 1e-7) << b.branch.label();
        EXPECT_LT(f->check.dropped(), 1e-13) << b.branch.label();
      }
    }
}

TEST(RankReport, Example1GivesTable1) {
  const RankReport r = report_for({});  // the embedded default: Example 1
  EXPECT_EQ(r.optimistic, 3);
  const BranchFindings& q1 = find(r, "Q^1 (j = 2)");
  const BranchFindings& q2 = find(r, "Q^2 (j = 1)");
  EXPECT_EQ(q2.codimension, 4);
  EXPECT_EQ(q1.codimension, 5);
  EXPECT_EQ(q2.generic.svd.rank, 4);
  EXPECT_EQ(q1.generic.svd.rank, 3);
  EXPECT_TRUE(q2.sufficient());
  EXPECT_FALSE(q1.sufficient());  // its model rank is D + 1 = 3 everywhere
  EXPECT_EQ(q2.sample.svd.rank, 4);
  EXPECT_EQ(q1.sample.svd.rank, 3);
  expect_clear_decisions(r);
}

TEST(RankReport, AppendixBGivesFiveSixNine) {
  const RankReport r = report_for({"model.input_dim=3", "target.w=[1, 1, 1]"});
  EXPECT_EQ(r.optimistic, 5);
  EXPECT_EQ(find(r, "Q^2 (j = 1)").codimension, 6);
  EXPECT_EQ(find(r, "Q^1 (j = 2)").codimension, 9);
  EXPECT_TRUE(find(r, "Q^2 (j = 1)").sufficient());
  EXPECT_FALSE(find(r, "Q^1 (j = 2)").sufficient());
  expect_clear_decisions(r);
}

TEST(RankReport, OptimisticSizeIsWeightDimPlusOneForEveryShape) {
  const std::string wide = "[model]\nwidth = 3\n";  // no c_tilde axis: that needs width 2
  for (const std::string activation : {"tanh", "rational"})
    for (const std::string bias : {"true", "false"})
      for (const int d : {1, 2}) {
        const std::string w = d == 1 ? "[0.5]" : "[0.5, -1]";
        const RankReport r =
            report_for({"model.activation=" + activation, "model.bias=" + bias, "model.input_dim=" + std::to_string(d),
                        "target.w=" + w, "target.b=" + std::string(bias == "true" ? "1" : "0")},
                       wide);
        const int weight_dim = d + (bias == "true" ? 1 : 0);
        EXPECT_EQ(r.optimistic, weight_dim + 1) << activation << " bias " << bias << " d " << d;
        // Q^m (one aligned neuron, the rest silent): model rank D + 1 + (m − 1) at a generic point.
        EXPECT_EQ(find(r, "Q^3 (j = 1)").generic.svd.rank, weight_dim + 3);
        expect_clear_decisions(r);
      }
}

TEST(RankReport, ExactRankAgreesWithTheSingularValuesForTheRationalActivation) {
  const std::string wide = "[model]\nwidth = 3\n";
  for (const std::string bias : {"true", "false"}) {
    const RankReport r = report_for(
        {"model.activation=rational", "model.bias=" + bias, "target.b=" + std::string(bias == "true" ? "1" : "0")},
        wide);
    int exact = 0;
    for (const BranchFindings& b : r.branches)
      for (const RankFinding* f : {&b.generic, &b.corner, &b.sample}) {
        EXPECT_TRUE(f->exact);
        EXPECT_EQ(f->check_rank, f->svd.rank) << b.branch.label();
        ++exact;
      }
    EXPECT_GE(exact, 12);
  }
}

TEST(RankReport, WidthThreeSeparatesOnlyTheOneAlignedBranchAmongQk) {
  const RankReport r = report_for({}, "[model]\nwidth = 3\n");
  EXPECT_EQ(r.optimistic, 3);
  EXPECT_EQ(find(r, "Q^1 (j = 3)").codimension, 7);
  EXPECT_EQ(find(r, "Q^2 (j = 2)").codimension, 6);
  EXPECT_EQ(find(r, "Q^3 (j = 1)").codimension, 5);
  EXPECT_TRUE(find(r, "Q^3 (j = 1)").sufficient());
  EXPECT_FALSE(find(r, "Q^2 (j = 2)").sufficient());
  EXPECT_TRUE(find(r, "[j = 1, cancelling 2]").sufficient());
  expect_clear_decisions(r);
}

struct CommandResult {
  int code;
  std::string out, err;
};

CommandResult rank(const std::string& path, const std::vector<std::string>& overrides) {
  std::ostringstream out, err;
  const int code = rank_command(path, overrides, out, err);
  return {code, out.str(), err.str()};
}

TEST(RankCommand, PrintsTheLinesScriptsGrep) {
  const CommandResult r = rank("", {});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("\noptimistic sample size: 3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nseparation sample size of Q^2 (j = 1): 4\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nseparation sample size of Q^1 (j = 2): 5\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("DISAGREES"), std::string::npos) << r.out;
}

TEST(RankCommand, ReportsEachModelOfASweep) {
  testing::TempDir dir;
  const std::string path = dir.file("sweep.toml");
  std::ofstream(path) << "[sweep]\nwidth = [2, 3]\n";
  const CommandResult r = rank(path, {});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("model    m = 2,"), std::string::npos);
  EXPECT_NE(r.out.find("model    m = 3,"), std::string::npos);
  EXPECT_NE(r.out.find("separation sample size of Q^3 (j = 1): 5\n"), std::string::npos);
  EXPECT_NE(r.out.find("\noptimistic sample size by width: m = 2: 3, m = 3: 3\n"), std::string::npos) << r.out;
}

// At width 5 a J_n's gap straddles the cut-off and its check decides another rank. The verdicts do not
// use J_n's rank (its exact value is min(n, generic model rank)): shown, and the command succeeds.
TEST(RankCommand, AJnCheckThatDiffersIsShownButDoesNotFail) {
  testing::TempDir dir;
  const std::string path = dir.file("five.toml");
  std::ofstream(path) << "[model]\nwidth = 5\n";
  const CommandResult r = rank(path, {});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("differs (not used)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("DISAGREES"), std::string::npos) << r.out;
}

std::string ones(int count) {
  std::string text = "[1";
  for (int i = 1; i < count; ++i) text += ", 1";
  return text + "]";
}

TEST(RankCommand, BadInputIsRefusedWithExitTwoAndOneMessage) {
  testing::TempDir dir;
  const std::string one = dir.file("one.toml");
  std::ofstream(one) << "[model]\nwidth = 1\n";
  const struct {
    std::string path;
    std::vector<std::string> overrides;
    std::string expected;
  } cases[] = {
      {one, {}, "model.width: rank needs a width in [2, 8], got 1"},
      {one, {"model.width=2", "sweep.width=[2, 9]"}, "sweep.width: rank needs a width in [2, 8], got 9"},
      {"", {"target.activation=rational"}, "target.activation: rank needs the model's activation (tanh)"},
      {"", {"target.a=0"}, "target.a: rank needs a nonzero target"},
      {"", {"model.bias=false"}, "target.b: rank needs b0 = 0 when model.bias = false, got 1"},
      {"", {"target.w=[0]"}, "target.w: rank needs w0 != 0"},
      {"", {"sweep.activation=[\"tanh\", \"rational\"]"}, "sweep.activation: rank compares the model with a target"},
      {"",
       {"model.input_dim=150", "target.w=" + ones(150)},
       "model.input_dim: rank computes dense ranks of at most 240 parameters"},
  };
  for (const auto& c : cases) {
    const CommandResult r = rank(c.path, c.overrides);
    EXPECT_EQ(r.code, kExitBadInput) << c.expected;
    EXPECT_EQ(r.out, "") << c.expected;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("perfgen: error: " + c.expected), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace perfgen
