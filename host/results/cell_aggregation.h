// Per-cell aggregation of finished trials: a cell's counts of recovered trials, statuses and branches,
// and the quantiles of its log10 gen error and iterations. Plain C++ on the host: it is what
// `perfgen summary` runs, on machines without a GPU too.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace perfgen {

struct TrialTable {  // one entry per finished trial: 27 bytes, what the merge holds of a trial
  std::vector<std::int64_t> cell;
  std::vector<std::int8_t> recovered;  // 0 or 1
  std::vector<double> log10_gen;
  std::vector<double> iterations;
  std::vector<std::int8_t> status;  // 0..3
  std::vector<std::int8_t> branch;  // 0..2

  std::size_t rows() const { return cell.size(); }
};

// What /cells holds of one cell's finished trials.
struct CellStatistics {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::int64_t finished = 0, recovered = 0;
  std::array<std::int64_t, 4> status{};
  std::array<std::int64_t, 3> branch{};
  std::array<double, 5> log10_gen_quantiles{kNaN, kNaN, kNaN, kNaN, kNaN};  // min, q25, median, q75, max
  double iterations_median = kNaN, iterations_mean = kNaN, iterations_max = kNaN;
};

// Linear-interpolation quantile (type 7) of `count` already sorted values; NaN of none.
double sorted_quantile(const double* sorted, std::size_t count, double q);

// The statistics of rows [first, end) of t, which all belong to one cell. Sorts those rows'
// log10_gen and iterations in place (each column on its own, NaN after every number) for the
// quantiles, so the rows are spent.
CellStatistics cell_statistics(TrialTable& t, std::size_t first, std::size_t end);

}  // namespace perfgen
