// Per-cell aggregates of the trials: recovery rate with a 95% Wilson interval, quantiles of
// log10 gen error, iteration statistics, status and branch counts. Works on any subset of trials
// (a partial run), counting only the rows present.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <utility>
#include <vector>

#include "columns.h"
#include "perfgen/plan.h"

namespace perfgen {

// Wilson score interval for `successes` out of `total` at the normal quantile z (95%: 1.96).
std::pair<double, double> wilson_interval(std::int64_t successes, std::int64_t total, double z = 1.959963984540054);

// Linear-interpolation quantile (type 7) of already sorted values.
double sorted_quantile(const std::vector<double>& sorted, double q);

ColumnGroup cell_columns(const Plan& plan, const ColumnGroup& trials);

// The recovery table: one line per cell, the swept coordinates first; of more than max_rows cells
// (0: no limit), the first and the last max_rows / 2.
inline constexpr std::size_t kTableRows = 40;
void print_cell_table(std::ostream& out, const ColumnGroup& cells, std::size_t max_rows = kTableRows);

}  // namespace perfgen
