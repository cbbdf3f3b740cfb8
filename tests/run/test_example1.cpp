// Example 1 of the paper: target tanh(x + 1), n = 6 evenly spaced on [−2, 2], s = 1e−8, lr 0.05,
// ½Σ loss. Small c̃ converges to Q2, c̃ = 1 to Q1, all recovered within 2·10^5 steps; with n = 2
// nothing recovers.
#include <gtest/gtest.h>

#include "test_support.h"

namespace perfgen {
namespace {

const char* kExample1 = R"(
name = "example1"
[data]
distribution = "grid"
range = [-2.0, 2.0]
[init]
scale = 1e-8
[train]
lr = 0.05
loss = "half_sum"
max_iters = 200000
loss_tol = 1e-15
[eval]
recovery_threshold = 1e-8
)";

std::vector<TrialOutcome> run(const std::vector<std::string>& overrides) {
  const Experiment e = testing::experiment_from(kExample1, overrides);
  return testing::train_trials(Plan(e)).outcomes;
}

TEST(Example1, SixGridPointsRecoverOnTheBranchTheImbalanceChooses) {
  const std::vector<TrialOutcome> out = run({"sweep.n=[6]", "sweep.c_tilde=[0.0, 0.2, 0.5, 1.0]"});
  const Branch expected[] = {Branch::q2, Branch::q2, Branch::q2, Branch::q1};
  for (std::size_t i = 0; i < out.size(); ++i) {
    SCOPED_TRACE("c_tilde index " + std::to_string(i));
    EXPECT_EQ(out[i].train.status, TrainStatus::converged);
    EXPECT_LE(out[i].train.iterations, 200000);
    EXPECT_TRUE(out[i].recovered);
    EXPECT_LT(out[i].generalization.mean_squared, 1e-8);
    EXPECT_EQ(out[i].branch.branch, expected[i]);
  }
  // Q1 shares the output weight between two on-target neurons; Q2 has one silent neuron.
  EXPECT_EQ(out[3].branch.on, 2);
  EXPECT_NEAR(std::abs(out[3].final_a[0] + out[3].final_a[1]), 1.0, 1e-6);
  EXPECT_EQ(out[0].branch.silent, 1);
}

TEST(Example1, TwoPointsNeverRecover) {
  for (const TrialOutcome& o : run({"sweep.n=[2]", "sweep.c_tilde=[0.0, 0.5, 1.0]"})) {
    EXPECT_FALSE(o.recovered);
    EXPECT_GT(o.generalization.mean_squared, 1e-4);
    EXPECT_EQ(o.branch.branch, Branch::off_target);
  }
}

}  // namespace
}  // namespace perfgen
