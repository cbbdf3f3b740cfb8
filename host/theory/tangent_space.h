// The tangent function space of the model at θ: the functions x ↦ ∂f_θ(x)/∂θ_j, j = 1..P, sampled
// at points. Its dimension is the model rank at θ (Zhang et al. 2023a), read off the sampled matrix
// by host/theory/matrix_rank.h (floating point) or exact_rank.h (rational σ, exact).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiment.h"
#include "perfgen/network.h"

namespace perfgen {

// σ(z) and σ'(z) of the rational activation in any field (double, or GMP rationals for the exact
// rank): z/(1 + z²) and (1 − z²)/(1 + z²)². The same formula as activate_all's, which is for
// double and SIMD packs only.
template <class Real>
void rational_activation(const Real& z, Real& value, Real& slope) {
  const Real denom = Real(1) + z * z;
  value = z / denom;
  slope = (Real(1) - z * z) / (denom * denom);
}

// Row i of the tangent matrix: ∂f_θ(x)/∂θ_j for every parameter j (layout of network.h), through the
// gradient term every kernel uses (with dℓ/df = 1). Sigma(z, value, slope) evaluates σ and σ'.
template <class Real, class Sigma>
void tangent_row(const NetShape& s, const Real* theta, const Real* x, Real* row, Sigma sigma) {
  const int stride = s.neuron_stride();
  for (int k = 0; k < s.width; ++k) {
    const Real* neuron = theta + k * stride;
    const Real z = preactivation(s, neuron, x);
    Real value, slope;
    sigma(z, value, slope);
    for (int p = 0; p < stride; ++p)
      row[k * stride + p] = add_neuron_gradient_term(s, Real(1), neuron[0], value, slope, x, p, Real(0));
  }
}

// Points x_1..x_count in R^d, row-major (count × dim), and how they were drawn (for the report).
struct SamplePoints {
  std::vector<double> x;
  int count = 0;
  int dim = 0;
  std::string description;
};

// count points from the experiment's data distribution: N(0, I_d) for gaussian data, uniform on
// [lo, hi]^d otherwise (grid, uniform, and points, whose test set is drawn there too). A fixed
// generator (seed) keeps the report reproducible on every platform.
SamplePoints data_range_points(const DataSettings& data, int dim, int count, std::uint64_t seed);
// count points from N(0, spread² I_d): a second, independent point set for the floating-point check.
SamplePoints gaussian_points(int dim, int count, double spread, std::uint64_t seed);
// The same points rounded to multiples of 2^-10 (binary fractions with small denominators, for the
// exact rank: each is a rational number the double holds exactly).
SamplePoints dyadic_points(SamplePoints points);

// The tangent matrix, row-major count × P, at θ (P doubles) for the model's activation.
std::vector<double> tangent_matrix(const NetShape& s, const std::vector<double>& theta, const SamplePoints& points);

// A small deterministic generator (splitmix64): uniform and normal draws, identical on every platform
// (std::normal_distribution is not).
class TheoryRandom {
 public:
  explicit TheoryRandom(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  double uniform();  // [0, 1)
  double normal();   // Box–Muller
 private:
  std::uint64_t state_;
};

}  // namespace perfgen
