// Trajectories: chosen trials record loss and parameters at log-spaced checkpoints, always at the
// first and the last step, without changing what the trial computes.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "hdf5_io.h"
#include "materialize.h"
#include "test_support.h"

namespace perfgen {
namespace {

const std::string kRecorded = testing::kExample1Grid + R"(max_iters = 100000
[trajectories]
trials = [1, 2]
checkpoints = 12
[sweep]
n = [6]
c_tilde = [0.0, 0.5, 1.0]
)";

TEST(Trajectories, CheckpointsAreLogSpacedWithFirstAndLast) {
  EXPECT_EQ(log_spaced_checkpoints(1000, 5), (std::vector<std::int64_t>{0, 1, 10, 100, 1000}));
  EXPECT_EQ(log_spaced_checkpoints(0, 5), (std::vector<std::int64_t>{0}));
  const auto points = log_spaced_checkpoints(20000000, 64);
  EXPECT_EQ(points.front(), 0);
  EXPECT_EQ(points.back(), 20000000);
  for (std::size_t i = 1; i < points.size(); ++i) EXPECT_GT(points[i], points[i - 1]);
}

TEST(Trajectories, RecordedPointsMatchTheTrainingTheyCameFrom) {
  const Experiment e = testing::experiment_from(kRecorded);
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan);
  EXPECT_TRUE(run.outcomes[0].trajectory.iterations.empty());
  for (const std::size_t i : {std::size_t{1}, std::size_t{2}}) {
    SCOPED_TRACE("trial " + std::to_string(i));
    const MaterializedTrial& trial = run.trials[i];
    const TrialOutcome& out = run.outcomes[i];
    const Trajectory& t = out.trajectory;
    ASSERT_GE(t.iterations.size(), 3u);
    EXPECT_EQ(t.iterations.front(), 0);
    EXPECT_EQ(t.iterations.back(), out.train.iterations);  // the last step, also when it stops early
    const int p = trial.shape.param_count();
    // The first point is θ0, the last the final θ; each loss is the loss of its θ.
    EXPECT_EQ(std::memcmp(t.thetas.data(), trial.theta0.data(), p * sizeof(double)), 0);
    EXPECT_EQ(std::memcmp(t.thetas.data() + (t.iterations.size() - 1) * p, out.theta.data(), p * sizeof(double)), 0);
    // Equal up to rounding order (FMA); near convergence the residuals cancel, so relative 1e-6 (the loss of
    // another θ would differ at order 1).
    for (std::size_t k = 0; k < t.iterations.size(); ++k) {
      const double direct = loss_value(trial.shape, t.thetas.data() + k * p, trial.data(), trial.train.loss);
      EXPECT_LT(testing::relative_difference(t.losses[k], direct), 1e-6) << "checkpoint " << k;
    }
    // Recording does not change the trial: the scalar kernel without checkpoints gives the same bits.
    MaterializedTrial plain = trial;
    plain.checkpoints.clear();
    Materializer materializer(plan);
    const TrialOutcome reference = train_and_evaluate(plain, materializer.evaluation());
    EXPECT_EQ(std::memcmp(reference.theta.data(), out.theta.data(), p * sizeof(double)), 0);
    EXPECT_EQ(reference.train.iterations, out.train.iterations);
  }
}

// Runs `experiment` on the CPU in batches of 2 trials into dir/NAME.h5 and returns its /trajectories.
ColumnGroup recorded_in_file(const testing::TempDir& dir, const std::string& name, const std::string& experiment) {
  const std::string path = dir.file(name + ".toml"), output = dir.file(name + ".h5");
  std::ofstream(path) << experiment << "[run]\nbatch_size = 2\n";
  RunOptions options;
  options.experiment_path = path;
  options.output_path = output;
  options.backend = BackendChoice::cpu;
  options.quiet = true;
  std::ostringstream out, err;
  EXPECT_EQ(run_command(options, out, err), 0) << err.str();
  return read_hdf5_group(output, "trajectories");
}

TEST(Trajectories, StoredInTheFileThroughShards) {
  testing::TempDir dir;
  const ColumnGroup t = recorded_in_file(dir, "recorded", kRecorded);
  EXPECT_EQ(t.at("traj").integer, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(t.at("theta").dims, (std::vector<std::string>{"traj", "checkpoint", "param"}));
  EXPECT_EQ(t.at("theta").shape, (std::vector<std::size_t>{2, 14, 6}));
  EXPECT_EQ(t.at("iteration").integer[0], 0);
  EXPECT_EQ(t.at("time").real[14 + 1], 0.05 * t.at("iteration").integer[14 + 1]);
}

// theta = false records the same points without θ: every other column is the θ-recording run's, bit
// for bit, and the trial keeps no parameters in memory either.
TEST(Trajectories, LossOnlyRecordingKeepsThePointsWithoutTheta) {
  std::string loss_only = kRecorded;
  loss_only.insert(loss_only.find("[sweep]"), "theta = false\n");
  const Experiment e = testing::experiment_from(loss_only);
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan);
  EXPECT_GE(run.outcomes[1].trajectory.iterations.size(), 3u);
  EXPECT_TRUE(run.outcomes[1].trajectory.thetas.empty());
  testing::TempDir dir;
  const ColumnGroup with_theta = recorded_in_file(dir, "with", kRecorded),
                    without = recorded_in_file(dir, "without", loss_only);
  EXPECT_EQ(without.find("theta"), nullptr);
  ASSERT_NE(with_theta.find("theta"), nullptr);
  std::vector<std::string> kept;  // the columns of the θ-recording file but θ and its index
  for (const Column& c : with_theta.columns)
    if (c.name != "theta" && c.name != "param") kept.push_back(c.name);
  std::vector<std::string> names;
  for (const Column& c : without.columns) names.push_back(c.name);
  EXPECT_EQ(names, kept);
  for (const Column& c : without.columns) {
    SCOPED_TRACE(c.name);
    const Column& same = with_theta.at(c.name);
    ASSERT_EQ(c.shape, same.shape);
    EXPECT_EQ(c.integer, same.integer);
    if (!c.real.empty())  // memcmp of an empty vector's data() (null) is undefined
      EXPECT_EQ(std::memcmp(c.real.data(), same.real.data(), c.real.size() * sizeof(double)), 0);
  }
}

}  // namespace
}  // namespace perfgen
