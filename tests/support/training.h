// Trained trials for tests (part cpu): a plan's trials trained on the CPU backend.
#pragma once

#include <cstdint>
#include <vector>

#include "cpu_backend.h"
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

}  // namespace perfgen::testing
