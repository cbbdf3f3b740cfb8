// The block kernel's own loop (cuda/block_loop.h) run on the host by a team of 256 std::threads, the
// kernel's block (tests/support/host_team.h: barriers where it synchronizes, its warp butterflies and
// its block sums in its order). One team drains a batch of several networks, claiming one after
// another. Wide and high-dimensional networks must end where the CPU's train_network ends (same
// status and iterations, θ and final loss within 1e-9: the block sums in another order); suspended by
// a step budget and resumed in later launches, at the bits of an uninterrupted run.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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
  for (std::size_t i = 0; i < trials.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    const MaterializedTrial& t = trials[i];
    const auto [want, theta] = testing::train_alone(t);
    const TrainResult& got = batch.results[i].train;
    EXPECT_EQ(batch.results[i].done, 1);
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.iterations, want.iterations);
    EXPECT_LT(testing::relative_difference(got.final_loss, want.final_loss, 1e-11), 1e-9);
    for (std::size_t p = 0; p < theta.size(); ++p)
      EXPECT_NEAR(batch.theta(i)[p], theta[p], 1e-9 * std::max(1.0, std::abs(theta[p])));
  }
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

}  // namespace
}  // namespace perfgen
