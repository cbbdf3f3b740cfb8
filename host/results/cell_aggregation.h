// Per-cell aggregation of finished trials: each cell's log10 gen error and iterations sorted (for
// quantiles) and its counts of recovered trials, statuses and branches. Plain C++ on the host: it is
// what `perfgen summary` runs, on machines without a GPU too, and a merge piece is too small for a
// device to pay (a Thrust version used to run it on the GPU from 10^5 trials; no measurement showed
// it faster, and it made the summary create a CUDA context).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace perfgen {

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

// Cells are 0 .. cells − 1; every trial's cell must be in that range.
CellAggregates aggregate_cells(const TrialTable& trials, int cells);

}  // namespace perfgen
