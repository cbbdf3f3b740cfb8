// cell_statistics against a direct computation: the counts of a cell's rows, the quantiles of its
// values sorted with NaN last (ties and NaNs included), and a cell without rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "cell_aggregation.h"

namespace perfgen {
namespace {

TrialTable random_cell(std::size_t rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> coin(0, 1), status(0, 3), branch(0, 2);
  std::normal_distribution<double> gen(-8.0, 4.0);
  TrialTable t;
  for (std::size_t i = 0; i < rows; ++i) {
    t.cell.push_back(0);
    t.recovered.push_back(static_cast<std::int8_t>(coin(rng)));
    t.status.push_back(static_cast<std::int8_t>(status(rng)));
    t.branch.push_back(static_cast<std::int8_t>(branch(rng)));
    t.log10_gen.push_back(i % 97 == 0 ? std::nan("") : std::round(gen(rng) * 4) / 4);  // ties and NaNs
    t.iterations.push_back(static_cast<double>(rng() % 1000));
  }
  return t;
}

// Type-7 quantile written out: values sorted with NaN last, position q (count − 1).
double direct_quantile(std::vector<double> values, double q) {
  std::stable_partition(values.begin(), values.end(), [](double v) { return !std::isnan(v); });
  std::sort(values.begin(), values.begin() + std::count_if(values.begin(), values.end(),
                                                           [](double v) { return !std::isnan(v); }));
  const double position = q * static_cast<double>(values.size() - 1);
  const std::size_t lower = static_cast<std::size_t>(position);
  const double upper = values[std::min(lower + 1, values.size() - 1)];
  return values[lower] + (position - static_cast<double>(lower)) * (upper - values[lower]);
}

void expect_same(double got, double want) { EXPECT_TRUE(got == want || (std::isnan(got) && std::isnan(want))) << got << " vs " << want; }

TEST(CellAggregation, MatchesADirectComputation) {
  for (const std::size_t rows : {1u, 2u, 5u, 96u, 5000u}) {  // row 0 (and every 97th) holds a NaN
    SCOPED_TRACE(rows);
    TrialTable t = random_cell(rows, rows);
    const TrialTable original = t;
    std::int64_t recovered = 0, status[4] = {}, branch[3] = {};
    for (std::size_t i = 0; i < rows; ++i) {
      recovered += t.recovered[i];
      ++status[t.status[i]];
      ++branch[t.branch[i]];
    }
    const CellStatistics s = cell_statistics(t, 0, rows);
    EXPECT_EQ(s.finished, static_cast<std::int64_t>(rows));
    EXPECT_EQ(s.recovered, recovered);
    for (int k = 0; k < 4; ++k) EXPECT_EQ(s.status[k], status[k]);
    for (int b = 0; b < 3; ++b) EXPECT_EQ(s.branch[b], branch[b]);
    const double quantiles[] = {0.0, 0.25, 0.5, 0.75, 1.0};
    for (int q = 0; q < 5; ++q) expect_same(s.log10_gen_quantiles[q], direct_quantile(original.log10_gen, quantiles[q]));
    EXPECT_EQ(s.iterations_median, direct_quantile(original.iterations, 0.5));
    EXPECT_EQ(s.iterations_max, *std::max_element(original.iterations.begin(), original.iterations.end()));
    double sum = 0;
    for (const double v : original.iterations) sum += v;
    EXPECT_NEAR(s.iterations_mean, sum / rows, 1e-9 * sum / rows);
    if (rows >= 97) EXPECT_TRUE(std::isnan(s.log10_gen_quantiles[4])) << "NaN sorts after every number";
  }
}

TEST(CellAggregation, ACellWithoutTrialsHasCountsOfZeroAndNoQuantiles) {
  TrialTable t = random_cell(10, 1);
  const CellStatistics s = cell_statistics(t, 4, 4);
  EXPECT_EQ(s.finished, 0);
  EXPECT_EQ(s.recovered, 0);
  EXPECT_TRUE(std::isnan(s.log10_gen_quantiles[2]));
  EXPECT_TRUE(std::isnan(s.iterations_mean));
}

}  // namespace
}  // namespace perfgen
