// Schema version 3 of the results file (docs/FILE_FORMAT.md): the /trials columns made from
// trained trials, and the enum mappings both groups use.
#pragma once

#include <vector>

#include "columns.h"
#include "perfgen/plan.h"
#include "perfgen/trial.h"

namespace perfgen {

inline constexpr int kSchemaVersion = 3;
inline constexpr const char* kStatusMeanings = "converged max_iters stationary diverged";
inline constexpr const char* kBranchMeanings = "off_target Q1 Q2";
inline constexpr const char* kActivationMeanings = "tanh rational";

// One row per trial, in the order given; padded with NaN where a trial is narrower than the widest.
ColumnGroup trial_columns(const Plan& plan, const std::vector<MaterializedTrial>& trials,
                          const std::vector<TrialOutcome>& outcomes);

// One row per trial that recorded a trajectory (dims traj, checkpoint, param); no columns when none did.
ColumnGroup trajectory_columns(const Plan& plan, const std::vector<MaterializedTrial>& trials,
                               const std::vector<TrialOutcome>& outcomes);

// The groups a shard or results file holds for these trials: /trials, and /trajectories if any.
std::vector<ColumnGroup> result_groups(const Plan& plan, const std::vector<MaterializedTrial>& trials,
                                       const std::vector<TrialOutcome>& outcomes);

// Appends a column over `dim` built from a value per row.
template <class ValueOf>
void add_column(ColumnGroup& g, const char* name, ColumnType type, const char* dim, std::size_t rows,
                const char* long_name, const char* units, ValueOf value_of) {
  Column c;
  c.name = name;
  c.type = type;
  c.dims = {dim};
  c.shape = {rows};
  c.long_name = long_name;
  c.units = units;
  for (std::size_t i = 0; i < rows; ++i) {
    if (type == ColumnType::f64)
      c.real.push_back(static_cast<double>(value_of(i)));
    else
      c.integer.push_back(static_cast<std::int64_t>(value_of(i)));
  }
  g.columns.push_back(std::move(c));
}

void mark_enum(ColumnGroup& g, const char* meanings, std::vector<std::int64_t> values);

}  // namespace perfgen
