// Schema version 4 of the results file (docs/FILE_FORMAT.md): the /trials columns made from
// trained trials, and the enum mappings both groups use.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "columns.h"
#include "perfgen/trial.h"
#include "plan.h"

namespace perfgen {

inline constexpr int kSchemaVersion = 4;

// Each function below takes trials[i] with outcomes[i] for every i in order, or, given `selected`, for
// the indices it lists, in its order (a batch's rows of a larger part, without copying them).

// One row per trial; padded with NaN where a trial is narrower than the widest.
ColumnGroup trial_columns(const Plan& plan, const std::vector<MaterializedTrial>& trials,
                          const std::vector<TrialOutcome>& outcomes,
                          const std::vector<std::size_t>* selected = nullptr);

// One row per trial that recorded a trajectory (dims traj, checkpoint, param); no columns when none did.
ColumnGroup trajectory_columns(const Plan& plan, const std::vector<MaterializedTrial>& trials,
                               const std::vector<TrialOutcome>& outcomes,
                               const std::vector<std::size_t>* selected = nullptr);

// The groups a shard or results file holds for these trials: /trials, and /trajectories if any.
std::vector<ColumnGroup> result_groups(const Plan& plan, const std::vector<MaterializedTrial>& trials,
                                       const std::vector<TrialOutcome>& outcomes,
                                       const std::vector<std::size_t>* selected = nullptr);

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
// An enum column's CF flag_values and flag_meanings from its name table (values 0, 1, ...).
template <std::size_t N>
void mark_enum(ColumnGroup& g, const char* const (&names)[N]) {
  std::string meanings;
  std::vector<std::int64_t> values;
  for (std::size_t v = 0; v < N; ++v) {
    meanings += (v ? " " : "") + std::string(names[v]);
    values.push_back(static_cast<std::int64_t>(v));
  }
  g.columns.back().flag_meanings = meanings;
  g.columns.back().flag_values = std::move(values);
}

}  // namespace perfgen
