// Sharpness of the loss at the final parameters: the dominant eigenvalue λ of ∇²ℓ. Small networks
// (P ≤ kExactHessianMaxParams: the paper's m = 2 shapes) build ∇²ℓ exactly and diagonalize it by
// Jacobi rotations, a few hundred flops; wider ones use power iteration on Hessian-vector products
// taken as central differences of the analytic gradient (120 gradients). Gradient descent with step
// η is stable near a minimum only if η·λ < 2: this is how a run's learning rate is checked against
// its loss convention.
#pragma once

#include <cmath>

#include "perfgen/hostdevice.h"
#include "perfgen/network.h"
#include "perfgen/training.h"

namespace perfgen {

inline constexpr int kExactHessianMaxParams = 32;

// A shape's parameter count when the type fixes it (FixedShape), else 0: the eigenvalue loops then get
// compile-time bounds and unroll.
template <class Shape>
struct ParamCountAtCompileTime {
  static constexpr int value = 0;
};
template <int Width, int InputDim, bool Bias>
struct ParamCountAtCompileTime<FixedShape<Width, InputDim, Bias>> {
  static constexpr int value = FixedShape<Width, InputDim, Bias>::param_count();
};

// ∇²ℓ = 2·loss_scale·Σ_i (∇f_i ∇f_iᵀ + r_i ∇²f_i), P × P row-major, exactly. ∇²f_i couples only
// parameters of one neuron: ∂²f/∂a∂w̃_j = σ'x̃_j, ∂²f/∂w̃_j∂w̃_l = aσ''x̃_j x̃_l. scratch: P doubles.
template <class Shape>
PERFGEN_HD void loss_hessian(const Shape& s, const double* theta, DataView data, LossKind kind, double* hessian,
                             double* scratch) {
  const int count = s.param_count(), stride = s.neuron_stride(), d = s.input_dim;
  const double twice_scale = 2.0 * loss_scale(kind, data.count);
  double* df = scratch;  // ∇f_i
  for (int p = 0; p < count * count; ++p) hessian[p] = 0.0;
  for (int i = 0; i < data.count; ++i) {
    const double* x = data.inputs + i * d;
    auto x_tilde = [&](int j) { return j < d ? x[j] : 1.0; };  // (x, 1) with bias
    const double r = forward(s, theta, x) - data.targets[i];
    for (int k = 0; k < s.width; ++k) {
      const double* neuron = theta + k * stride;
      const double z = preactivation(s, neuron, x);
      double value, slope;
      activate(s.activation, z, value, slope);
      df[k * stride] = value;
      for (int j = 0; j + 1 < stride; ++j) df[k * stride + 1 + j] = neuron[0] * slope * x_tilde(j);
      // r·∇²f_i within neuron k
      const double curvature = neuron[0] * activation_curvature(s.activation, z);
      double* block = hessian + (k * stride) * count + k * stride;
      for (int j = 0; j + 1 < stride; ++j) {
        block[1 + j] += twice_scale * r * slope * x_tilde(j);
        block[(1 + j) * count] += twice_scale * r * slope * x_tilde(j);
        for (int l = 0; l + 1 < stride; ++l)
          block[(1 + j) * count + 1 + l] += twice_scale * r * curvature * x_tilde(j) * x_tilde(l);
      }
    }
    for (int p = 0; p < count; ++p)
      for (int q = 0; q < count; ++q) hessian[p * count + q] += twice_scale * df[p] * df[q];
  }
}

// The eigenvalue of largest magnitude of the symmetric n × n matrix a (row-major, overwritten), by
// cyclic Jacobi rotations until the off-diagonal part is negligible. Size > 0 promises n == Size.
template <int Size = 0>
PERFGEN_HD double dominant_symmetric_eigenvalue(double* a, int runtime_n) {
  const int n = Size > 0 ? Size : runtime_n;
  for (int sweep = 0; sweep < 64; ++sweep) {
    double off = 0.0, diagonal = 0.0;
    for (int p = 0; p < n; ++p) {
      diagonal += a[p * n + p] * a[p * n + p];
      for (int q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    }
    if (off <= 1e-32 * diagonal || off == 0.0) break;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0.0) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
        const double c = 1.0 / sqrt(t * t + 1.0), sn = t * c;
        for (int k = 0; k < n; ++k) {  // columns p and q
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - sn * akq;
          a[k * n + q] = sn * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {  // rows p and q
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - sn * aqk;
          a[q * n + k] = sn * apk + c * aqk;
        }
      }
  }
  double dominant = 0.0;
  for (int p = 0; p < n; ++p)
    if (fabs(a[p * n + p]) > fabs(dominant)) dominant = a[p * n + p];
  return dominant;
}

// Power iteration's choices, shared with the team version (cuda/block_evaluation.h) so that both
// backends take the same steps: the iterations, entry p of the start vector, and the central
// difference's step for parameters of norm theta_norm.
constexpr int kPowerIterations = 60;
PERFGEN_HD double power_iteration_start(int p, int count) {
  return 1.0 / sqrt(static_cast<double>(count)) * (1.0 + 0.01 * p);
}
PERFGEN_HD double power_iteration_step(double theta_norm) { return 1e-5 * fmax(1.0, theta_norm); }

// The Rayleigh quotient vᵀHv of the dominant direction found by power iteration on finite-difference
// Hessian-vector products. scratch: 5·param_count doubles plus gradient_workspace_size.
template <class Shape>
PERFGEN_HD double power_iteration_sharpness(const Shape& s, const double* theta, DataView data, LossKind kind,
                                            double* scratch, int iterations = kPowerIterations) {
  const int count = s.param_count();
  double* v = scratch;
  double* shifted = scratch + count;
  double* plus = scratch + 2 * count;
  double* minus = scratch + 3 * count;
  double* hv = scratch + 4 * count;
  double* workspace = scratch + 5 * count;
  for (int p = 0; p < count; ++p) v[p] = power_iteration_start(p, count);
  const double step = power_iteration_step(euclidean_norm(theta, count));
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

// The dominant eigenvalue of ∇²ℓ at theta (signed: negative at a saddle whose steepest curvature points
// down). scratch: sharpness_scratch_size doubles.
template <class Shape>
PERFGEN_HD double loss_sharpness(const Shape& s, const double* theta, DataView data, LossKind kind, double* scratch) {
  const int count = s.param_count();
  if (count > kExactHessianMaxParams) return power_iteration_sharpness(s, theta, data, kind, scratch);
  loss_hessian(s, theta, data, kind, scratch, scratch + count * count);
  return dominant_symmetric_eigenvalue<ParamCountAtCompileTime<Shape>::value>(scratch, count);
}

template <class Shape>
PERFGEN_HD int sharpness_scratch_size(const Shape& s, int n) {
  const int count = s.param_count();
  return count <= kExactHessianMaxParams ? count * count + count : 5 * count + gradient_workspace_size(s, n);
}

}  // namespace perfgen
