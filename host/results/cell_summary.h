// Per-cell aggregates of the trials: recovery rate with a 95% Wilson interval, quantiles of
// log10 gen error, iteration statistics, status and branch counts. Works on any subset of trials
// (a partial run), counting only the rows present. Streams: the aggregation holds a piece of trials
// plus those of the cell in progress, the printed table only the rows it shows (all with --all).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "cell_aggregation.h"
#include "columns.h"
#include "plan.h"

namespace perfgen {

// The /cells columns that say where a cell lies in the sweep, in the order the table shows them.
inline constexpr const char* kCellCoordinates[] = {"n",       "width", "activation", "init_scale",
                                                   "c_tilde", "lr",    "max_iters"};

// Wilson score interval for `successes` out of `total` at the normal quantile z (95%: 1.96).
std::pair<double, double> wilson_interval(std::int64_t successes, std::int64_t total, double z = 1.959963984540054);

// The /cells rows of cells first_cell, first_cell + 1, ... with these statistics.
ColumnGroup cell_rows(const Plan& plan, std::int64_t first_cell, const std::vector<CellStatistics>& stats);

// The /cells group built from trials that arrive in trial order, a piece at a time. A cell is
// aggregated once a trial of a later cell has been seen (or at finish()), and handed to the sink in
// rows of consecutive cells, in cell order, every cell of the plan exactly once (those without a
// finished trial too). It holds at most max_rows trials plus those of one cell, and hands on at most
// max_rows cells at a time.
class CellSummaryBuilder {
 public:
  using Sink = std::function<void(ColumnGroup&& cells)>;
  CellSummaryBuilder(const Plan& plan, std::size_t max_rows, Sink sink);
  CellSummaryBuilder(Plan&&, std::size_t, Sink) = delete;  // it keeps a reference: a temporary plan would dangle
  void add(const ColumnGroup& trials);                     // rows in nondecreasing cell order, after those added before
  void add(TrialTable&& trials);                           // the same, already as a table
  void finish();  // aggregates what waits and hands on the cells left; then spent
  std::size_t rows_held() const { return waiting_.rows(); }  // trials waiting for their cell to be aggregated

 private:
  void aggregate(std::int64_t end_cell);  // cells before end_cell, from the waiting rows
  const Plan& plan_;
  std::size_t max_rows_;
  Sink sink_;
  TrialTable waiting_;          // trials of cells not yet aggregated, in nondecreasing cell order
  std::int64_t next_cell_ = 0;  // the first cell not yet handed on
};

// The whole /cells group of a set of trials in any order.
ColumnGroup cell_columns(const Plan& plan, const ColumnGroup& trials);

}  // namespace perfgen
