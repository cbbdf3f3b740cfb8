// aggregate_cells against a direct computation: counts per cell, each cell's values sorted with NaN
// last, offsets, an empty cell.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "cell_aggregation.h"

namespace perfgen {
namespace {

constexpr int kCells = 7;  // cell 3 gets no trial

TrialTable random_table(std::size_t rows) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> cell(0, kCells - 2), coin(0, 1), status(0, 3), branch(0, 2);
  std::normal_distribution<double> gen(-8.0, 4.0);
  TrialTable t;
  for (std::size_t i = 0; i < rows; ++i) {
    const int c = cell(rng);
    t.cell.push_back(c >= 3 ? c + 1 : c);
    t.recovered.push_back(coin(rng));
    t.status.push_back(status(rng));
    t.branch.push_back(branch(rng));
    t.log10_gen.push_back(i % 97 == 0 ? std::nan("") : std::round(gen(rng) * 4) / 4);  // ties and NaNs
    t.iterations.push_back(static_cast<double>(rng() % 1000));
  }
  return t;
}

TEST(CellAggregation, MatchesADirectComputationOnTheHost) {
  const TrialTable t = random_table(5000);
  const CellAggregates a = aggregate_cells(t, kCells);
  ASSERT_EQ(a.offset.size(), static_cast<std::size_t>(kCells + 1));
  EXPECT_EQ(a.offset.front(), 0);
  EXPECT_EQ(a.offset.back(), 5000);
  EXPECT_EQ(a.finished[3], 0);
  for (int c = 0; c < kCells; ++c) {
    SCOPED_TRACE("cell " + std::to_string(c));
    std::int64_t finished = 0, recovered = 0, status[4] = {}, branch[3] = {};
    std::vector<double> gen, iterations;
    for (std::size_t i = 0; i < t.cell.size(); ++i) {
      if (t.cell[i] != c) continue;
      ++finished;
      recovered += t.recovered[i];
      ++status[t.status[i]];
      ++branch[t.branch[i]];
      gen.push_back(t.log10_gen[i]);
      iterations.push_back(t.iterations[i]);
    }
    std::stable_partition(gen.begin(), gen.end(), [](double v) { return !std::isnan(v); });
    std::sort(gen.begin(),
              gen.begin() + std::count_if(gen.begin(), gen.end(), [](double v) { return !std::isnan(v); }));
    std::sort(iterations.begin(), iterations.end());
    EXPECT_EQ(a.finished[c], finished);
    EXPECT_EQ(a.recovered[c], recovered);
    for (int s = 0; s < 4; ++s) EXPECT_EQ(a.status[c][s], status[s]);
    for (int b = 0; b < 3; ++b) EXPECT_EQ(a.branch[c][b], branch[b]);
    for (std::int64_t k = 0; k < finished; ++k) {
      const double got = a.log10_gen[a.offset[c] + k], want = gen[k];
      EXPECT_TRUE(got == want || (std::isnan(got) && std::isnan(want))) << k << ": " << got << " vs " << want;
      EXPECT_EQ(a.iterations[a.offset[c] + k], iterations[k]);
    }
  }
}

}  // namespace
}  // namespace perfgen
