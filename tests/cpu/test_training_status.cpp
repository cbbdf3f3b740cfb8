// Each status is reached by a run built to reach it; a huge lr is reported as diverged.
#include <gtest/gtest.h>

#include "cpu_backend.h"
#include "experiments.h"
#include "materialize.h"

namespace perfgen {
namespace {

const char* kExample1 = R"(
name = "status"
[data]
distribution = "grid"
n = 6
[init]
scale = 1e-8
c_tilde = 0.0
[train]
lr = 0.05
max_iters = 200000
)";

TrialOutcome run_single(const std::vector<std::string>& overrides, const std::string& toml = kExample1) {
  const Experiment e = testing::experiment_from(toml, overrides);
  const Plan plan(e);
  Materializer materializer(plan);
  return train_and_evaluate(materializer.materialize(0), materializer.evaluation());
}

TEST(TrainingStatus, ConvergedWhenLossFallsBelowTolerance) {
  const TrialOutcome out = run_single({});
  EXPECT_EQ(out.train.status, TrainStatus::converged);
  EXPECT_LT(out.train.final_loss, 1e-15);
  EXPECT_GT(out.train.iterations, 0);
}

TEST(TrainingStatus, MaxItersWhenBudgetRunsOut) {
  const TrialOutcome out = run_single({"train.max_iters=10"});
  EXPECT_EQ(out.train.status, TrainStatus::max_iters);
  EXPECT_EQ(out.train.iterations, 10);
  EXPECT_GT(out.train.final_loss, 1e-15);
}

TEST(TrainingStatus, StationaryAtTheOriginSaddle) {
  // θ0 = 0 is a critical point (σ(0) = 0), with loss ½Σy² > 0: stuck, not converged.
  // Without imbalance control, which θ0 = 0 cannot have (no ratio): kExample1 less its c_tilde.
  std::string toml = kExample1;
  const std::string c_tilde = "c_tilde = 0.0\n";
  toml.erase(toml.find(c_tilde), c_tilde.size());
  const TrialOutcome out = run_single({"init.scale=0.0", "train.grad_tol=1e-30"}, toml);
  EXPECT_EQ(out.train.status, TrainStatus::stationary);
  EXPECT_EQ(out.train.iterations, 0);
  EXPECT_EQ(out.train.grad_norm, 0.0);
  EXPECT_GT(out.train.final_loss, 0.1);
}

TEST(TrainingStatus, HugeLearningRateDiverges) {
  const TrialOutcome out = run_single({"train.lr=1e6", "init.scale=0.5"});
  EXPECT_EQ(out.train.status, TrainStatus::diverged);
  EXPECT_FALSE(out.recovered);
}

TEST(TrainingStatus, NanLossIsDivergedNeverConverged) {
  const NetShape shape{1, 1, true, Activation::tanh};
  const double x = 1.0, y = 0.5;
  std::vector<double> theta{std::nan(""), 0.1, 0.1}, grad(3), work(gradient_workspace_size(shape, 1));
  const TrainResult r =
      train_network(shape, DataView{&x, &y, 1}, TrainSettings{}, theta.data(), grad.data(), work.data());
  EXPECT_EQ(r.status, TrainStatus::diverged);
  EXPECT_EQ(r.iterations, 0);
}

TEST(BranchTest, AnInertNeuronCountsAsSilent) {
  // Neuron 1 on the target (a = 1, w̃ = w̃0 = (1, 1)); neuron 2 with a = 0.2 but w̃ = 0 outputs nothing.
  const NetShape shape{2, 1, true, Activation::tanh};
  const std::vector<double> theta{1.0, 1.0, 1.0, 0.2, 0.0, 0.0}, target{1.0, 1.0};
  const BranchCounts counts = classify_branch(shape, theta.data(), target.data(), BranchTolerances{}, nullptr, nullptr);
  EXPECT_EQ(counts.on, 1);
  EXPECT_EQ(counts.silent, 1);
  EXPECT_EQ(counts.branch, Branch::q2);
  // The same neuron with a w̃ off target is neither.
  const std::vector<double> off{1.0, 1.0, 1.0, 0.2, 0.5, -0.3};
  EXPECT_EQ(classify_branch(shape, off.data(), target.data(), BranchTolerances{}, nullptr, nullptr).branch,
            Branch::off_target);
}

}  // namespace
}  // namespace perfgen
