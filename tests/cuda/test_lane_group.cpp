// The lane-group kernel's own loop (cuda/group_loop.h) run on the host by teams of 2, 4 and 8
// std::threads (tests/support/host_team.h: the kernel's butterfly, the same pairing). One team drains
// a batch of several networks, claiming one after another. Every sum must leave the same bits in
// every lane (the lanes' shared decisions rest on it); every network must end where the CPU's
// train_network ends (same status, θ within 1e-9: the group sums the samples in another order); and
// suspended by a step budget and resumed in later launches, at the bits of an uninterrupted run.
#include <gtest/gtest.h>

#include <limits>

#include "experiments.h"
#include "group_loop.h"
#include "host_batch.h"
#include "host_team.h"
#include "kernel_choice.h"
#include "training.h"
#include "trials.h"

namespace perfgen {
namespace {

using Example1 = FixedShape<2, 1, true>;
constexpr std::int64_t kNoBudget = std::numeric_limits<std::int64_t>::max();

// Launches of one team of Lanes threads, at most `budget` steps each, until the batch is done;
// returns the launches. Adds the sums whose lanes disagreed to `disagreements`.
template <int Lanes>
int drain_with_lanes(testing::HostBatch& batch, std::int64_t budget, long& disagreements) {
  using Team = testing::HostLanes<Lanes>;
  return batch.drain([&](const cuda::DeviceBatch& b) {
    typename Team::Shared shared;
    testing::run_team<Team>(shared, [&](Team team) { cuda::drain_group_queue<Example1>(b, budget, team); });
    disagreements += shared.disagreements;
  });
}

std::vector<MaterializedTrial> example1_trials() {
  // lr 0.2 under ½Σ: 700 to 2300 steps, and one trial stops at max_iters (a team's step costs ~7
  // barriers).
  return testing::trials_of(
      testing::kExample1Grid + "max_iters = 3000\n[sweep]\nn = [3, 6]\nc_tilde = [0.0, 0.5, 1.0]\n", {"train.lr=0.2"});
}

// The trials whose samples Lanes lanes hold, in one batch drained by one team, against train_network;
// returns how many.
template <int Lanes>
int expect_team_matches_train_network(const std::vector<MaterializedTrial>& all) {
  SCOPED_TRACE(std::to_string(Lanes) + " lanes");
  std::vector<MaterializedTrial> trials;
  for (const MaterializedTrial& t : all)
    if (cuda::group_fits(t.shape, t.data().count, Lanes)) trials.push_back(t);
  testing::HostBatch batch(trials);
  long disagreements = 0;
  EXPECT_EQ(drain_with_lanes<Lanes>(batch, kNoBudget, disagreements), 1);
  EXPECT_EQ(disagreements, 0);
  const auto steps_within_1e3_theta_within_1e9 = [](const TrainResult& got, const TrainResult& want,
                                                    const double* got_theta, const std::vector<double>& want_theta) {
    EXPECT_NEAR(static_cast<double>(got.iterations), static_cast<double>(want.iterations), 1e-3 * want.iterations + 2);
    testing::expect_theta_near(got_theta, want_theta, 1e-9);
  };
  testing::expect_each_like_train_alone(batch, trials, steps_within_1e3_theta_within_1e9);
  return static_cast<int>(trials.size());
}

TEST(LaneGroup, TeamsOfLanesMatchTrainNetwork) {
  const std::vector<MaterializedTrial> trials = example1_trials();
  const int checked = expect_team_matches_train_network<2>(trials) + expect_team_matches_train_network<4>(trials) +
                      expect_team_matches_train_network<8>(trials);
  EXPECT_EQ(checked, 3 * 3 + 3 * 2);  // n = 3: 2, 4 and 8 lanes; n = 6: 4 and 8
}

TEST(LaneGroup, SuspendedNetworksEndAtTheBitsOfAnUninterruptedRun) {
  const std::vector<MaterializedTrial> trials = example1_trials();  // 4 lanes hold n = 3 and n = 6
  testing::HostBatch whole(trials), split(trials);
  long disagreements = 0;
  EXPECT_EQ(drain_with_lanes<4>(whole, kNoBudget, disagreements), 1);
  EXPECT_GT(drain_with_lanes<4>(split, 300, disagreements), 10);  // networks suspended and resumed
  EXPECT_EQ(disagreements, 0);
  testing::expect_same_end(trials, whole, split);
}

}  // namespace
}  // namespace perfgen
