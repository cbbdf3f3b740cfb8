// Materialized trials for tests (part trials): every trial of a plan or of an experiment text.
#pragma once

#include <string>
#include <vector>

#include "experiments.h"
#include "materialize.h"

namespace perfgen::testing {

// Every trial of the plan, materialized.
inline std::vector<MaterializedTrial> materialize_all(const Plan& plan, const Materializer& materializer) {
  return materializer.materialize_range(0, plan.trial_count(), 0);
}

// Every trial of an experiment text (with --set style overrides), materialized.
inline std::vector<MaterializedTrial> trials_of(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  const Experiment e = experiment_from(toml, overrides);
  const Plan plan(e);  // keeps a reference to e
  Materializer materializer(plan);
  return materialize_all(plan, materializer);
}

// Every trial of an experiment text, with the test set and target they are evaluated against.
struct TrialsAndEvaluation {
  std::vector<MaterializedTrial> trials;
  EvaluationContext evaluation;
};
inline TrialsAndEvaluation trials_and_evaluation_of(const std::string& toml) {
  const Experiment e = experiment_from(toml);
  const Plan plan(e);
  Materializer materializer(plan);
  return {materialize_all(plan, materializer), materializer.evaluation()};
}

}  // namespace perfgen::testing
