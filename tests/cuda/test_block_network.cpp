// The block kernel's own loop (cuda/block_loop.h) run on the host by a team of 256 std::threads, the
// kernel's block (tests/support/host_team.h: barriers where it synchronizes, its warp butterflies and
// its block sums in its order). One team drains a batch of several networks, claiming one after
// another. Wide and high-dimensional networks must end where the CPU's train_network ends (same
// status and iterations, θ and final loss within 1e-9: the block sums in another order); suspended by
// a step budget and resumed in later launches, at the bits of an uninterrupted run.
#include <gtest/gtest.h>

#include <limits>

#include "block_evaluation.h"
#include "block_loop.h"
#include "experiments.h"
#include "host_batch.h"
#include "host_team.h"
#include "temp_dir.h"
#include "training.h"
#include "trials.h"

namespace perfgen {
namespace {

using Block = testing::HostBlock<256>;
constexpr std::int64_t kNoBudget = std::numeric_limits<std::int64_t>::max();

// Launches of one team, at most `budget` steps each, until the batch is done; returns the launches.
int drain_with_block(testing::HostBatch& batch, std::int64_t budget) {
  return batch.drain([&](const cuda::DeviceBatch& b) {
    Block::Shared shared;
    testing::run_team<Block>(shared, [&](Block team) { cuda::drain_block_queue(b, budget, team); });
  });
}

void expect_block_matches_train_network(const std::string& toml) {
  const std::vector<MaterializedTrial> trials = testing::trials_of(toml);
  testing::HostBatch batch(trials);
  EXPECT_EQ(drain_with_block(batch, kNoBudget), 1);
  const auto same_steps_theta_within_1e9 = [](const TrainResult& got, const TrainResult& want, const double* got_theta,
                                              const std::vector<double>& want_theta) {
    EXPECT_EQ(got.iterations, want.iterations);
    EXPECT_LT(testing::relative_difference(got.final_loss, want.final_loss, 1e-11), 1e-9);
    testing::expect_theta_near(got_theta, want_theta, 1e-9);
  };
  testing::expect_each_like_train_alone(batch, trials, same_steps_theta_within_1e9);
}

TEST(BlockNetwork, WideNetworkMatchesTrainNetwork) {
  expect_block_matches_train_network(testing::wide_rational_experiment(100, 200) + "[sweep]\ninit_seed = [0, 1]\n");
}

TEST(BlockNetwork, HighDimensionalInputMatchesTrainNetwork) {
  expect_block_matches_train_network(testing::high_dimensional_experiment(20, 0.005, 1e-3, 200) +
                                     "[sweep]\nc_tilde = [0.2, 1.0]\n");
}

TEST(BlockNetwork, SuspendedNetworksEndAtTheBitsOfAnUninterruptedRun) {
  const std::vector<MaterializedTrial> trials =
      testing::trials_of(testing::wide_rational_experiment(100, 50) + "[sweep]\ninit_seed = [0, 1, 2]\n");
  testing::HostBatch whole(trials), split(trials);
  EXPECT_EQ(drain_with_block(whole, kNoBudget), 1);
  EXPECT_GT(drain_with_block(split, 20), 5);  // networks suspended and resumed
  testing::expect_same_end(trials, whole, split);
}

// Trains every network of the experiment on a team, evaluates them on the team, and holds the results to
// the one-thread functions on the same θ. The test error's sum and the sharpness's dot products run in
// another order: the mean squared error to relative 1e-12; its max and the branch are order-free, the
// same bits. The sharpness is the same power iteration, whose central differences divide each gradient's
// roundoff (relative ~1e-15; the residuals are warp sums) by the step 1e-5·max(1, ‖θ‖): relative 1e-10
// (at most 8e-13 seen). Up to 32
// parameters it is the exact Hessian, computed by one member with the one-thread function: the same bits.
void expect_block_evaluation_matches_one_thread(const std::string& toml, bool exact_hessian) {
  const auto [trials, evaluation] = testing::trials_and_evaluation_of(toml);
  testing::HostBatch batch(trials);
  drain_with_block(batch, kNoBudget);
  std::vector<double> final_a(batch.layout.neurons), distance(batch.layout.neurons);
  const cuda::DeviceEvaluation e{evaluation.test_set(), evaluation.target_weights.data(), evaluation.tolerances,
                                 final_a.data(), distance.data()};
  Block::Shared shared;
  testing::run_team<Block>(shared, [&](Block team) { cuda::evaluate_block_networks(batch.view(), e, 0, 1, team); });
  for (std::size_t i = 0; i < trials.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    const MaterializedTrial& t = trials[i];
    ASSERT_EQ(t.shape.param_count() <= kExactHessianMaxParams, exact_hessian);
    const double* theta = batch.theta(i);
    const cuda::DeviceResult& got = batch.results[i];

    const GeneralizationError want = generalization_error(t.shape, theta, evaluation.test_set());
    EXPECT_LT(testing::relative_difference(got.generalization.mean_squared, want.mean_squared), 1e-12);
    EXPECT_EQ(got.generalization.max_abs, want.max_abs);

    std::vector<double> want_a(t.shape.width), want_distance(t.shape.width);
    const BranchCounts branch = classify_branch(t.shape, theta, evaluation.target_weights.data(), evaluation.tolerances,
                                                want_a.data(), want_distance.data());
    EXPECT_EQ(got.branch.branch, branch.branch);
    EXPECT_EQ(got.branch.on, branch.on);
    EXPECT_EQ(got.branch.silent, branch.silent);
    EXPECT_EQ(got.branch.other, branch.other);
    const std::int64_t neurons = batch.layout.records[i].neurons;
    for (int k = 0; k < t.shape.width; ++k) {
      EXPECT_EQ(final_a[neurons + k], want_a[k]);
      EXPECT_EQ(distance[neurons + k], want_distance[k]);
    }

    std::vector<double> scratch(sharpness_scratch_size(t.shape, t.data().count));
    const double sharpness = loss_sharpness(t.shape, theta, t.data(), t.train.loss, scratch.data());
    EXPECT_NE(sharpness, 0.0);
    if (exact_hessian)
      EXPECT_EQ(got.sharpness, sharpness);
    else
      EXPECT_LT(testing::relative_difference(got.sharpness, sharpness), 1e-10) << got.sharpness << " vs " << sharpness;
  }
}

TEST(BlockNetwork, EvaluatesAWideNetworkAsTheOneThreadFunctionsDo) {
  expect_block_evaluation_matches_one_thread(
      testing::wide_rational_experiment(100, 50) + "[sweep]\ninit_seed = [0, 1]\n", false);
}

TEST(BlockNetwork, EvaluatesAHighDimensionalInputAsTheOneThreadFunctionsDo) {
  expect_block_evaluation_matches_one_thread(
      testing::high_dimensional_experiment(20, 0.005, 1e-3, 50) + "[sweep]\nc_tilde = [0.2, 1.0]\n", false);
}

TEST(BlockNetwork, EvaluatesAFewParametersByTheExactHessianAsTheOneThreadFunctionDoes) {
  expect_block_evaluation_matches_one_thread(testing::kExample1Grid + "max_iters = 30\n[sweep]\nc_tilde = [0.2, 1.0]\n",
                                             true);
}

}  // namespace
}  // namespace perfgen
