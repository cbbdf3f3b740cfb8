// Sampling the tangent functions ∂f_θ/∂θ_j at points (host/theory/tangent_space.h).
#include "tangent_space.h"

#include <cmath>
#include <sstream>

#include "perfgen/activation.h"
#include "splitmix64.h"

namespace perfgen {

std::uint64_t TheoryRandom::next() { return splitmix64_mix(state_ += kSplitMix64Increment); }

double TheoryRandom::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double TheoryRandom::normal() {
  const double u = 1.0 - uniform();  // (0, 1]
  const double v = uniform();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
}

SamplePoints data_range_points(const DataSettings& data, int dim, int count, std::uint64_t seed) {
  SamplePoints p{std::vector<double>(static_cast<std::size_t>(count) * dim), count, dim, ""};
  TheoryRandom random(seed);
  std::ostringstream text;
  if (data.distribution == Distribution::gaussian) {
    for (double& x : p.x) x = random.normal();
    text << count << " points N(0, I_" << dim << ")";
  } else {
    for (double& x : p.x) x = data.lo + (data.hi - data.lo) * random.uniform();
    text << count << " points uniform on [" << data.lo << ", " << data.hi << "]^" << dim;
  }
  text << ", seed " << seed;
  p.description = text.str();
  return p;
}

SamplePoints gaussian_points(int dim, int count, double spread, std::uint64_t seed) {
  SamplePoints p{std::vector<double>(static_cast<std::size_t>(count) * dim), count, dim, ""};
  TheoryRandom random(seed);
  for (double& x : p.x) x = spread * random.normal();
  std::ostringstream text;
  text << count << " points N(0, " << spread * spread << " I_" << dim << "), seed " << seed;
  p.description = text.str();
  return p;
}

SamplePoints dyadic_points(SamplePoints points) {
  for (double& x : points.x) x = std::ldexp(std::nearbyint(std::ldexp(x, 10)), -10);
  points.description += ", rounded to multiples of 2^-10";
  return points;
}

std::vector<double> tangent_matrix(const NetShape& s, const std::vector<double>& theta, const SamplePoints& points) {
  const int count = s.param_count();
  std::vector<double> matrix(static_cast<std::size_t>(points.count) * count);
  auto sigma = [&](double z, double& value, double& slope) { activate(s.activation, z, value, slope); };
  for (int i = 0; i < points.count; ++i)
    tangent_row(s, theta.data(), points.x.data() + static_cast<std::size_t>(i) * points.dim,
                matrix.data() + static_cast<std::size_t>(i) * count, sigma);
  return matrix;
}

}  // namespace perfgen
