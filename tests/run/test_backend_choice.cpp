// Which device each MPI rank of a node takes, and how many ranks share it (they split its memory); how a
// batch's trials are shared between a backend and the CPU when the backend cannot train some of them.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <stdexcept>

#include "backend_choice.h"
#include "test_support.h"

namespace perfgen {
namespace {

// Ranks take the devices in turn: 5 ranks on 2 GPUs put ranks 0, 2, 4 on the first and 1, 3 on the
// second; each counts the ranks on its own device.
TEST(BackendChoice, RanksThatTakeTheSameDeviceCountEachOther) {
  EXPECT_EQ(ranks_sharing_device(0, 1, 1), 1);
  EXPECT_EQ(ranks_sharing_device(0, 4, 4), 1);
  EXPECT_EQ(ranks_sharing_device(3, 4, 4), 1);
  for (const int rank : {0, 2, 4}) EXPECT_EQ(ranks_sharing_device(rank, 5, 2), 3) << rank;
  for (const int rank : {1, 3}) EXPECT_EQ(ranks_sharing_device(rank, 5, 2), 2) << rank;
  EXPECT_EQ(ranks_sharing_device(1, 2, 8), 1);  // more devices than ranks
}

// Three Example-1 trials with these [train] keys, two of them recording a trajectory (which the
// backend below cannot).
std::string two_of_three_recorded(const std::string& train_keys) {
  return testing::kExample1Grid + train_keys + R"(
[trajectories]
trials = [0, 2]
checkpoints = 8
[sweep]
n = [6]
c_tilde = [0.0, 0.5, 1.0]
)";
}

// A backend that records no trajectories, like the CUDA one: it runs `before` (given what it was handed),
// then trains its trials on the CPU's scalar kernel.
class NoTrajectoryBackend : public Backend {
 public:
  explicit NoTrajectoryBackend(std::function<void(const std::vector<MaterializedTrial>&, TrainControl&)> before)
      : before_(std::move(before)) {}
  std::string name() const override { return "no-trajectory"; }
  std::string device() const override { return "the test's"; }
  void train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
             std::vector<TrialOutcome>& outcomes, TrainControl& control) override {
    before_(trials, control);
    CpuBackend(1, CpuKernel::scalar).train(trials, context, outcomes, control);
  }

 private:
  std::function<void(const std::vector<MaterializedTrial>&, TrainControl&)> before_;
};

// The recorded trials train on the CPU while the backend trains the others (the backend waits for them
// to finish before it trains its own), and every trial ends as on the CPU alone, in its place.
TEST(TrainBatch, TheCpuTrainsWhatTheBackendCannotBesideIt) {
  const testing::TrialsAndEvaluation batch =
      testing::trials_and_evaluation_of(two_of_three_recorded("max_iters = 20000"));
  std::size_t handed = 0;
  bool recorded_finished_first = false;
  NoTrajectoryBackend backend([&](const std::vector<MaterializedTrial>& trials, TrainControl& control) {
    handed = trials.size();
    // Only trials trained elsewhere can finish while this backend trains none.
    recorded_finished_first = testing::wait_for([&] { return control.finished.load() >= 2; }, 60);
  });
  std::vector<TrialOutcome> outcomes;
  TrainControl control;
  train_batch(backend, batch.trials, batch.evaluation, outcomes, control, 2);
  EXPECT_EQ(handed, 1u);
  EXPECT_TRUE(recorded_finished_first) << "the CPU's share waited for the backend's";
  EXPECT_EQ(control.finished.load(), 3);

  std::vector<TrialOutcome> alone;
  TrainControl alone_control;
  CpuBackend(1, CpuKernel::scalar).train(batch.trials, batch.evaluation, alone, alone_control);
  ASSERT_EQ(outcomes.size(), alone.size());
  for (std::size_t i = 0; i < alone.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    EXPECT_EQ(outcomes[i].train.iterations, alone[i].train.iterations);
    ASSERT_EQ(outcomes[i].theta.size(), alone[i].theta.size());
    EXPECT_EQ(std::memcmp(outcomes[i].theta.data(), alone[i].theta.data(), alone[i].theta.size() * sizeof(double)), 0);
    EXPECT_EQ(outcomes[i].trajectory.iterations, alone[i].trajectory.iterations);
    EXPECT_EQ(outcomes[i].trajectory.iterations.empty(), i == 1);
  }
}

// A backend that fails stops the CPU's share (long trials, which would take minutes), and its failure,
// not the cancel it caused, is what the batch throws.
TEST(TrainBatch, ABackendFailureStopsTheCpuShareAndIsWhatIsThrown) {
  const testing::TrialsAndEvaluation batch =
      testing::trials_and_evaluation_of(two_of_three_recorded("max_iters = 2000000000\nloss_tol = 0.0"));
  NoTrajectoryBackend backend([](const std::vector<MaterializedTrial>&, TrainControl& control) {
    testing::wait_for([&] { return control.started.load() >= 2; }, 60);
    throw std::runtime_error("the device fell off the bus");
  });
  std::vector<TrialOutcome> outcomes;
  TrainControl control;
  try {
    train_batch(backend, batch.trials, batch.evaluation, outcomes, control, 2);
    FAIL() << "no failure thrown";
  } catch (const TrainingCancelled&) {
    FAIL() << "the cancel was thrown, not the failure";
  } catch (const std::runtime_error& failure) {
    EXPECT_STREQ(failure.what(), "the device fell off the bus");
  }
  EXPECT_EQ(outcomes.size(), batch.trials.size());
  EXPECT_EQ(control.finished.load(), 0);
}

}  // namespace
}  // namespace perfgen
