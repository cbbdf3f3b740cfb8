// Trained trials for tests (part cpu): a plan's trials trained on the CPU backend.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu_backend.h"
#include "perfgen/training.h"
#include "temp_dir.h"
#include "trials.h"

namespace perfgen::testing {

struct TrainedTrials {
  std::vector<MaterializedTrial> trials;
  std::vector<TrialOutcome> outcomes;
};

// Materializes trials [begin, end) of the plan (end < 0: all) and trains them on the CPU backend.
inline TrainedTrials train_trials(const Plan& plan, std::int64_t begin = 0, std::int64_t end = -1, int threads = 0,
                                  CpuKernel kernel = CpuKernel::vector) {
  Materializer materializer(plan);
  TrainedTrials result;
  result.trials = materializer.materialize_range(begin, end < 0 ? plan.trial_count() : end, 0);
  TrainControl control;
  CpuBackend(threads, kernel).train(result.trials, materializer.evaluation(), result.outcomes, control);
  return result;
}

// One trial trained alone by the shared loop (train_network with the sizes known at run time; the CPU
// kernels compute the same bits): the reference that the device loops (per thread, lane group, block)
// are held to.
struct TrainedAlone {
  TrainResult result;
  std::vector<double> theta;
};
inline TrainedAlone train_alone(const MaterializedTrial& t) {
  TrainedAlone trained{{}, t.theta0};
  std::vector<double> grad(t.shape.param_count()), work(gradient_workspace_size(t.shape, t.data().count));
  trained.result = train_network(t.shape, t.data(), t.train, trained.theta.data(), grad.data(), work.data());
  return trained;
}

// The same outcome, bit for bit: status, steps, t, loss, ‖∇ℓ‖, θ, generalization error, sharpness,
// branch and recovery (what every kernel that trains in the CPU's order must reproduce).
inline void expect_same_outcome_bits(const TrialOutcome& got, const TrialOutcome& want) {
  EXPECT_EQ(got.train.status, want.train.status);
  EXPECT_EQ(got.train.iterations, want.train.iterations);
  EXPECT_TRUE(same_bits(got.train.time, want.train.time));
  EXPECT_TRUE(same_bits(got.train.final_loss, want.train.final_loss));
  EXPECT_TRUE(same_bits(got.train.grad_norm, want.train.grad_norm));
  EXPECT_EQ(got.theta.size(), want.theta.size());
  for (std::size_t p = 0; p < std::min(got.theta.size(), want.theta.size()); ++p)
    EXPECT_TRUE(same_bits(got.theta[p], want.theta[p])) << "parameter " << p;
  EXPECT_TRUE(same_bits(got.generalization.mean_squared, want.generalization.mean_squared));
  EXPECT_TRUE(same_bits(got.generalization.max_abs, want.generalization.max_abs));
  EXPECT_TRUE(same_bits(got.sharpness, want.sharpness));
  EXPECT_EQ(got.branch.branch, want.branch.branch);
  EXPECT_EQ(got.recovered, want.recovered);
}

}  // namespace perfgen::testing
