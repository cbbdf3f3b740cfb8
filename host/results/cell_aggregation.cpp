#include "cell_aggregation.h"

#include <algorithm>
#include <cmath>

namespace perfgen {

double sorted_quantile(const double* sorted, std::size_t count, double q) {
  if (count == 0) return CellStatistics::kNaN;
  const double position = q * static_cast<double>(count - 1);
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const std::size_t upper = std::min(lower + 1, count - 1);
  return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
}

CellStatistics cell_statistics(TrialTable& t, std::size_t first, std::size_t end) {
  CellStatistics s;
  for (std::size_t i = first; i < end; ++i) {
    ++s.finished;
    s.recovered += t.recovered[i];
    ++s.status[t.status[i]];
    ++s.branch[t.branch[i]];
  }
  if (s.finished == 0) return s;
  const auto nan_last = [](double x, double y) { return !std::isnan(x) && (std::isnan(y) || x < y); };
  double* gen = t.log10_gen.data() + first;
  double* iterations = t.iterations.data() + first;
  const std::size_t count = end - first;
  std::sort(gen, gen + count, nan_last);
  std::sort(iterations, iterations + count, nan_last);
  constexpr double kQuantiles[] = {0.0, 0.25, 0.5, 0.75, 1.0};
  for (std::size_t q = 0; q < s.log10_gen_quantiles.size(); ++q)
    s.log10_gen_quantiles[q] = sorted_quantile(gen, count, kQuantiles[q]);
  s.iterations_median = sorted_quantile(iterations, count, 0.5);
  double sum = 0;
  for (std::size_t i = 0; i < count; ++i) sum += iterations[i];
  s.iterations_mean = sum / static_cast<double>(count);
  s.iterations_max = iterations[count - 1];
  return s;
}

}  // namespace perfgen
