// Per-cell aggregates of the trials: recovery rate with a 95% Wilson interval, quantiles of
// log10 gen error, iteration statistics, status and branch counts. Works on any subset of trials
// (a partial run), counting only the rows present.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <utility>
#include <vector>

#include "columns.h"
#include "plan.h"

namespace perfgen {

// Wilson score interval for `successes` out of `total` at the normal quantile z (95%: 1.96).
std::pair<double, double> wilson_interval(std::int64_t successes, std::int64_t total, double z = 1.959963984540054);

// Linear-interpolation quantile (type 7) of already sorted values.
double sorted_quantile(const std::vector<double>& sorted, double q);

// The /cells group of a set of trials, in any order.
ColumnGroup cell_columns(const Plan& plan, const ColumnGroup& trials);

// The /cells group built from trials that arrive in trial order, a piece at a time. It aggregates the
// cells it has seen whole once max_rows trials wait, so it holds at most max_rows trials plus those of
// one cell, whatever the sweep's size.
class CellSummaryBuilder {
 public:
  CellSummaryBuilder(const Plan& plan, std::size_t max_rows);
  CellSummaryBuilder(Plan&&, std::size_t) = delete;  // it keeps a reference: a temporary plan would dangle
  ~CellSummaryBuilder();
  void add(const ColumnGroup& trials);  // rows in nondecreasing cell order, after those added before
  ColumnGroup finish();                 // aggregates what waits; the builder is then spent
  std::size_t rows_held() const;        // trials waiting for their cell to be aggregated

 private:
  struct State;
  void aggregate(bool all_cells);
  const Plan& plan_;
  std::size_t max_rows_;
  std::unique_ptr<State> state_;
};

// The recovery table: one line per cell, the swept coordinates first; of more than max_rows cells
// (0: no limit), the first and the last max_rows / 2.
inline constexpr std::size_t kTableRows = 40;
void print_cell_table(std::ostream& out, const ColumnGroup& cells, std::size_t max_rows = kTableRows);

}  // namespace perfgen
