// Per-cell aggregation of the trials with Thrust: the trials are ordered by (cell, value) to give
// each cell's sorted log10 gen error and iterations (for quantiles), and a reduction by cell counts
// finished, recovered, status and branch. The same code runs on the GPU (thrust::device) for large
// tables when a usable device exists, and on the host (thrust::host) otherwise; both give the same
// numbers. Plain C++ header; the Thrust code stays in cell_aggregation.cu.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace perfgen::cuda {

struct TrialTable {  // one entry per finished trial
  std::vector<std::int64_t> cell;
  std::vector<std::int64_t> recovered;  // 0 or 1
  std::vector<double> log10_gen;
  std::vector<double> iterations;
  std::vector<std::int64_t> status;  // 0..3
  std::vector<std::int64_t> branch;  // 0..2
};

struct CellAggregates {
  std::vector<std::int64_t> finished, recovered;
  std::vector<std::array<std::int64_t, 4>> status;
  std::vector<std::array<std::int64_t, 3>> branch;
  std::vector<std::int64_t> offset;           // cell c's sorted values: [offset[c], offset[c + 1])
  std::vector<double> log10_gen, iterations;  // sorted within each cell (NaN last)
};

enum class AggregationPlace { host, device };

CellAggregates aggregate_cells(const TrialTable& trials, int cells, AggregationPlace place);

// Where aggregate_cells runs by default: on a usable GPU for tables of 10^5 trials or more.
AggregationPlace default_aggregation_place(std::size_t trials);

}  // namespace perfgen::cuda
