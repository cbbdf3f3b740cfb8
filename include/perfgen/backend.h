// The interface every training backend implements: train a batch of materialized trials.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "perfgen/trial.h"

namespace perfgen {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;    // "cpu" or "cuda"
  virtual std::string device() const = 0;  // human-readable device description
  // Trains every trial and evaluates it; outcomes[i] belongs to trials[i]. Adds each finished
  // trial to `finished` so a progress display can follow.
  virtual void train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
                     std::vector<TrialOutcome>& outcomes, std::atomic<std::int64_t>& finished) = 0;
};

}  // namespace perfgen
