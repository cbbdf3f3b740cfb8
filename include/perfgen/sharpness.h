// Sharpness of the loss at the final parameters: the top eigenvalue λ of ∇²ℓ, found by power
// iteration on Hessian-vector products taken as central differences of the analytic gradient.
// Gradient descent with step η is stable near a minimum only if η·λ < 2: this is how a run's
// learning rate is checked against its loss convention.
#pragma once

#include <cmath>

#include "perfgen/hostdevice.h"
#include "perfgen/network.h"
#include "perfgen/training.h"

namespace perfgen {

// scratch: 5·param_count doubles plus gradient_workspace_size. Returns the Rayleigh quotient vᵀHv of
// the dominant direction (signed: negative at a saddle whose steepest curvature points down).
PERFGEN_HD double loss_sharpness(const NetShape& s, const double* theta, DataView data, LossKind kind, double* scratch,
                                 int iterations = 60) {
  const int count = s.param_count();
  double* v = scratch;
  double* shifted = scratch + count;
  double* plus = scratch + 2 * count;
  double* minus = scratch + 3 * count;
  double* hv = scratch + 4 * count;
  double* workspace = scratch + 5 * count;
  for (int p = 0; p < count; ++p) v[p] = 1.0 / sqrt(static_cast<double>(count)) * (1.0 + 0.01 * p);
  const double step = 1e-5 * fmax(1.0, euclidean_norm(theta, count));
  double rayleigh = 0.0;
  for (int it = 0; it < iterations; ++it) {
    const double norm = euclidean_norm(v, count);
    for (int p = 0; p < count; ++p) v[p] /= norm;
    for (int p = 0; p < count; ++p) shifted[p] = theta[p] + step * v[p];
    loss_and_gradient(s, shifted, data, kind, plus, workspace);
    for (int p = 0; p < count; ++p) shifted[p] = theta[p] - step * v[p];
    loss_and_gradient(s, shifted, data, kind, minus, workspace);
    rayleigh = 0.0;
    for (int p = 0; p < count; ++p) {
      hv[p] = (plus[p] - minus[p]) / (2.0 * step);
      rayleigh += v[p] * hv[p];
    }
    for (int p = 0; p < count; ++p) v[p] = hv[p];
    if (euclidean_norm(v, count) == 0.0) return 0.0;
  }
  return rayleigh;
}

PERFGEN_HD int sharpness_scratch_size(const NetShape& s, int n) {
  return 5 * s.param_count() + gradient_workspace_size(s, n);
}

}  // namespace perfgen
