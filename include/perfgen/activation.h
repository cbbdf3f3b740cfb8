// The activation functions σ of the model and the target, with their derivatives.
#pragma once

#include <cstdint>

#include "perfgen/hostdevice.h"
#include "perfgen/shared_tanh.h"

namespace perfgen {

enum class Activation : std::int8_t { tanh = 0, rational = 1 };
// The one name table of Activation, by value (experiment files, results, messages).
inline constexpr const char* kActivationNames[] = {"tanh", "rational"};

// σ(z_q) and σ'(z_q) for `count` pre-activations (value may alias z): training needs both at every
// sample and neuron. Real is double or a SIMD pack (shared_tanh.h); one sweep over all entries keeps
// the tanh evaluations close together with little live state. Every a·b + c is written as `fused`, and
// the build lets no compiler fuse anything else, so every backend rounds the same operations.
template <class Real>
PERFGEN_HD void activate_all(Activation act, const Real* z, Real* value, Real* slope, int count) {
  if (act == Activation::tanh) {
    for (int q = 0; q < count; ++q) {
      value[q] = shared_tanh(z[q]);
      slope[q] = fused(-value[q], value[q], Real(1.0));
    }
  } else {  // rational: σ(z) = z / (1 + z²), σ'(z) = (1 − z²) / (1 + z²)²
    for (int q = 0; q < count; ++q) {
      const Real x = z[q];
      const Real denom = 1.0 / fused(x, x, Real(1.0));
      value[q] = x * denom;
      slope[q] = fused(-x, x, Real(1.0)) * denom * denom;
    }
  }
}

template <class Real>
PERFGEN_HD void activate(Activation act, Real z, Real& value, Real& slope) {
  activate_all(act, &z, &value, &slope, 1);
}

template <class Real>
PERFGEN_HD Real activation_value(Activation act, Real z) {
  Real value, slope;
  activate(act, z, value, slope);
  return value;
}

// σ''(z), for the exact Hessian of small networks (perfgen/sharpness.h): tanh'' = −2σσ', and for the
// rational σ = z/(1 + z²), σ'' = 2z(z² − 3)/(1 + z²)³.
PERFGEN_HD double activation_curvature(Activation act, double z) {
  if (act == Activation::tanh) {
    const double value = shared_tanh(z);
    return -2.0 * value * fused(-value, value, 1.0);
  }
  const double denom = 1.0 / fused(z, z, 1.0);
  return 2.0 * z * (z * z - 3.0) * denom * denom * denom;
}

// σ'(0): Theorem 1's rate μ1 and the sign in C_k depend on it.
PERFGEN_HD double activation_slope_at_zero(Activation act) {
  double value, slope;
  activate(act, 0.0, value, slope);
  return slope;
}

// Odd activations make (a, w̃) and (−a, −w̃) the same neuron; the branch test uses this. Both are odd
// (tanh, and z/(1 + z²)); the switch has no default so that a new activation must answer.
PERFGEN_HD bool activation_is_odd(Activation act) {
  switch (act) {
    case Activation::tanh:
    case Activation::rational:
      return true;
  }
  return false;
}

}  // namespace perfgen
