// The activation functions σ of the model and the target, with their derivatives.
#pragma once

#include <cmath>
#include <cstdint>

#include "perfgen/hostdevice.h"

namespace perfgen {

enum class Activation : std::int8_t { tanh = 0, rational = 1 };
// The one name table of Activation, by value (experiment files, results, messages).
inline constexpr const char* kActivationNames[] = {"tanh", "rational"};

// σ(z_q) and σ'(z_q) for `count` pre-activations (value may alias z): training needs both at every
// sample and neuron. Real is double or a SIMD pack whose tanh is found by argument-dependent lookup;
// one sweep over all entries keeps the vector tanh calls close together with little live state.
template <class Real>
PERFGEN_HD void activate_all(Activation act, const Real* z, Real* value, Real* slope, int count) {
  using ::tanh;
  if (act == Activation::tanh) {
    for (int q = 0; q < count; ++q) {
      value[q] = tanh(z[q]);
      slope[q] = 1.0 - value[q] * value[q];
    }
  } else {  // rational: σ(z) = z / (1 + z²), σ'(z) = (1 − z²) / (1 + z²)²
    for (int q = 0; q < count; ++q) {
      const Real x = z[q];
      const Real denom = 1.0 / (1.0 + x * x);
      value[q] = x * denom;
      slope[q] = (1.0 - x * x) * denom * denom;
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

// σ''(z), for the exact Hessian of small networks (host/sharpness): tanh'' = −2σσ', and for the
// rational σ = z/(1 + z²), σ'' = 2z(z² − 3)/(1 + z²)³.
PERFGEN_HD double activation_curvature(Activation act, double z) {
  if (act == Activation::tanh) {
    const double value = tanh(z);
    return -2.0 * value * (1.0 - value * value);
  }
  const double denom = 1.0 / (1.0 + z * z);
  return 2.0 * z * (z * z - 3.0) * denom * denom * denom;
}

// σ'(0): Theorem 1's rate μ1 and the sign in C_k depend on it.
PERFGEN_HD double activation_slope_at_zero(Activation act) {
  double value, slope;
  activate(act, 0.0, value, slope);
  return slope;
}

// Odd activations make (a, w̃) and (−a, −w̃) the same neuron; the branch test uses this.
PERFGEN_HD bool activation_is_odd(Activation) { return true; }

}  // namespace perfgen
