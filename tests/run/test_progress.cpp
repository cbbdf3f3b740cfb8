// The progress line's estimate of the work left, and the counts of work the CPU backend reports to it.
#include <gtest/gtest.h>

#include "cpu_backend.h"
#include "materialize.h"
#include "progress.h"
#include "test_support.h"

namespace perfgen {
namespace {

constexpr double kBound = 1e6;  // max_iters + 1 of every trial below

WorkCounts hundred_trials(std::int64_t started, std::int64_t finished, double steps, double finished_steps) {
  return WorkCounts{100, 100 * kBound, started, finished, steps, finished_steps};
}

TEST(RemainingWork, IsTheBoundBeforeAnyWorkAndNothingAfterTheLastTrial) {
  const RemainingWork before = remaining_work(hundred_trials(0, 0, 0, 0));
  EXPECT_EQ(before.most, 100 * kBound);
  EXPECT_EQ(before.expected, 100 * kBound);
  const RemainingWork after = remaining_work(hundred_trials(100, 100, 3e7, 3e7));
  EXPECT_EQ(after.most, 0);
  EXPECT_EQ(after.expected, 0);
}

// The run that misled the trial-count ETA: most trials converge within a few thousand steps, a few
// run for long. 90 finished (1e4 steps each), 10 running at 4e5 steps each: what is left is at least
// the work the running ones have still to do, far more than 10 trials at the finished ones' mean.
TEST(RemainingWork, CountsTheRunningTrialsProgressNotTheFinishedTrialsMean) {
  const double finished_steps = 90 * 1e4, running_steps = 10 * 4e5;
  const RemainingWork left = remaining_work(hundred_trials(100, 90, finished_steps + running_steps, finished_steps));
  const double by_trial_count = 10 * (finished_steps / 90);  // what the old ETA assumed
  EXPECT_GE(left.expected, running_steps);                   // each runs as long again: 4e5 more
  EXPECT_GT(left.expected, 10 * by_trial_count);
  EXPECT_EQ(left.most, 10 * kBound - running_steps);
  EXPECT_LE(left.expected, left.most);
}

TEST(RemainingWork, NeverExceedsTheBoundNorGoesBelowZero) {
  for (const std::int64_t started : {0, 10, 50, 100})
    for (const std::int64_t finished : {0, 5, 10})
      for (const double running_each : {0.0, 1e3, 5e5, 9.9e5}) {
        if (finished > started) continue;
        const double finished_steps = static_cast<double>(finished) * 2e3;
        const double steps = finished_steps + static_cast<double>(started - finished) * running_each;
        const RemainingWork left = remaining_work(hundred_trials(started, finished, steps, finished_steps));
        EXPECT_GE(left.expected, 0);
        EXPECT_LE(left.expected, left.most);
        EXPECT_LE(left.most, 100 * kBound);
      }
}

// The finished trials' lengths as the CPU kernels report them: `count` trials of `iterations` each.
void add_finished(WorkCounts& work, double iterations, std::int64_t count) {
  TrainControl control;
  control.record_finished(static_cast<std::int64_t>(iterations));
  for (int b = 0; b < TrainControl::kLengthBuckets; ++b)
    if (control.finished_by_length[b].load() > 0) {
      work.finished_by_length[b] += static_cast<double>(count);
      work.finished_steps_by_length[b] += static_cast<double>(count) * iterations;
    }
  work.finished += count;
  work.finished_steps += static_cast<double>(count) * iterations;
  work.steps += static_cast<double>(count) * iterations;
}

// The tail of a sweep: the 30 trials still running have outlived every finished one (1e3 steps), so
// they are expected to run to max_iters, not "as long again" (which said 2e5 more each).
TEST(RemainingWork, RunningTrialsThatOutlivedEveryFinishedOneRunToTheBound) {
  WorkCounts work = hundred_trials(100, 0, 30 * 2e5, 0);
  add_finished(work, 1e3, 70);
  const RemainingWork left = remaining_work(work);
  EXPECT_NEAR(left.expected, 30 * (kBound - 2e5), 1e-6 * left.expected);
  EXPECT_EQ(left.most, left.expected);
}

// Trials not started take the lengths of the started ones, the running ones counted as at least as
// long as they have run (censored): 30 finished at 1e3 and 10 running at 2e5 say a quarter of the
// trials outlive 1e3 steps, and those run to the bound for all that is known.
TEST(RemainingWork, TrialsNotStartedTakeTheLengthsOfTheStartedOnesRunningOnesCensored) {
  WorkCounts work = hundred_trials(40, 0, 10 * 2e5, 0);
  add_finished(work, 1e3, 30);
  const double new_trial = 0.75 * 1e3 + 0.25 * kBound;
  const RemainingWork left = remaining_work(work);
  EXPECT_NEAR(left.expected, 10 * (kBound - 2e5) + 60 * new_trial, 1e-6 * left.expected);
}

// A running trial that has not outlived the finished ones is expected to end like those longer than
// its progress: 50 finished at 1e3 and 20 at 1e5, 30 running at 5e3 steps: 1e5 − 5e3 more each.
TEST(RemainingWork, RunningTrialsEndLikeTheFinishedOnesLongerThanTheirProgress) {
  WorkCounts work = hundred_trials(100, 0, 30 * 5e3, 0);
  add_finished(work, 1e3, 50);
  add_finished(work, 1e5, 20);
  const RemainingWork left = remaining_work(work);
  EXPECT_NEAR(left.expected, 30 * (1e5 - 5e3), 1e-6 * left.expected);
}

TEST(DurationText, SwitchesUnitsAtTwoMinutesAndTwoHours) {
  EXPECT_EQ(duration_text(42), "42 s");
  EXPECT_EQ(duration_text(210), "3.5 min");
  EXPECT_EQ(duration_text(3 * 3600), "3.0 h");
}

// What the CPU kernels count for the estimate adds up: every trial started and finished, and the steps
// are those the outcomes report (each trial's iterations).
TEST(TrainControl, CpuKernelsCountEveryStepOfEveryTrial) {
  const Experiment e = testing::experiment_from(
      "[train]\nmax_iters = 20000\n[sweep]\nn = [2, 6]\ndata_seed = {range = [0, 3]}\n"
      "c_tilde = {linspace = [0.0, 1.0, 5]}\n[trajectories]\ntrials = [1, 7]\ncheckpoints = 4\n");
  const Plan plan(e);
  const Materializer materializer(plan);
  const std::vector<MaterializedTrial> trials = materializer.materialize_range(0, plan.trial_count(), 1);
  for (const CpuKernel kernel : {CpuKernel::vector, CpuKernel::scalar}) {
    TrainControl control;
    std::vector<TrialOutcome> outcomes;
    CpuBackend(2, kernel).train(trials, materializer.evaluation(), outcomes, control);
    std::int64_t iterations = 0;
    for (const TrialOutcome& o : outcomes) iterations += o.train.iterations;
    EXPECT_GT(iterations, 0);
    EXPECT_EQ(control.started.load(), plan.trial_count());
    EXPECT_EQ(control.finished.load(), plan.trial_count());
    EXPECT_EQ(control.finished_steps.load(), iterations);
    EXPECT_EQ(control.steps.load(), iterations);
    // Each trial's length in its bucket: iterations + 1 of bit length b.
    std::array<std::int64_t, TrainControl::kLengthBuckets> by_length{}, steps_by_length{};
    for (const TrialOutcome& o : outcomes) {
      int b = 0;
      while ((std::int64_t{1} << (b + 1)) <= o.train.iterations + 1) ++b;
      ++by_length[b];
      steps_by_length[b] += o.train.iterations;
    }
    for (int b = 0; b < TrainControl::kLengthBuckets; ++b) {
      EXPECT_EQ(control.finished_by_length[b].load(), by_length[b]) << "bucket " << b;
      EXPECT_EQ(control.finished_steps_by_length[b].load(), steps_by_length[b]) << "bucket " << b;
    }
  }
}

}  // namespace
}  // namespace perfgen
