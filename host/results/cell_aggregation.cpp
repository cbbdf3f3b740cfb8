#include "cell_aggregation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace perfgen {
namespace {

// The values of the trials in `order` (sorted by cell), sorted within each cell with NaN after every
// number, so the order is total.
std::vector<double> sorted_within_cells(const std::vector<double>& values, const std::vector<std::size_t>& by_cell,
                                        const std::vector<std::int64_t>& offset) {
  std::vector<double> sorted(by_cell.size());
  for (std::size_t k = 0; k < by_cell.size(); ++k) sorted[k] = values[by_cell[k]];
  for (std::size_t c = 0; c + 1 < offset.size(); ++c)
    std::sort(sorted.begin() + offset[c], sorted.begin() + offset[c + 1],
              [](double x, double y) { return !std::isnan(x) && (std::isnan(y) || x < y); });
  return sorted;
}

}  // namespace

CellAggregates aggregate_cells(const TrialTable& t, int cells) {
  CellAggregates out;
  out.finished.assign(cells, 0);
  out.recovered.assign(cells, 0);
  out.status.assign(cells, {0, 0, 0, 0});
  out.branch.assign(cells, {0, 0, 0});
  for (std::size_t i = 0; i < t.cell.size(); ++i) {
    const std::int64_t c = t.cell[i];
    ++out.finished[c];
    out.recovered[c] += t.recovered[i];
    ++out.status[c][t.status[i]];
    ++out.branch[c][t.branch[i]];
  }
  out.offset.assign(cells + 1, 0);
  std::partial_sum(out.finished.begin(), out.finished.end(), out.offset.begin() + 1);
  // Trials grouped by cell (a counting sort, stable), then each cell's values sorted.
  std::vector<std::size_t> by_cell(t.cell.size());
  std::vector<std::int64_t> next(out.offset.begin(), out.offset.end() - 1);
  for (std::size_t i = 0; i < t.cell.size(); ++i) by_cell[next[t.cell[i]]++] = i;
  out.log10_gen = sorted_within_cells(t.log10_gen, by_cell, out.offset);
  out.iterations = sorted_within_cells(t.iterations, by_cell, out.offset);
  return out;
}

}  // namespace perfgen
