// The CPU backend: every core takes the next waiting trial and trains it to its own criterion.
#pragma once

#include "perfgen/backend.h"

namespace perfgen {

// Training plus evaluation of one trial, on the calling thread.
TrialOutcome train_and_evaluate(const MaterializedTrial& trial, const EvaluationContext& context);

class CpuBackend : public Backend {
 public:
  explicit CpuBackend(int threads = 0);  // 0: one per hardware thread
  std::string name() const override { return "cpu"; }
  std::string device() const override;
  int threads() const { return threads_; }
  void train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
             std::vector<TrialOutcome>& outcomes, std::atomic<std::int64_t>& finished) override;

 private:
  int threads_;
};

}  // namespace perfgen
