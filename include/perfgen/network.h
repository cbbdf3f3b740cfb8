// The two-layer network f_θ(x) = Σ_k a_k σ(w_k·x + b_k): forward pass, loss and its gradient.
// Parameter layout (everywhere): neuron-major, (a_k, w_k[0..d-1], b_k) for k = 0..m-1.
// The functions are templates on the number type Real: double for one network, or a SIMD pack of
// doubles (host/cpu/simd_pack.h) holding the same parameter of several networks, one per lane.
#pragma once

#include <cstdint>

#include "perfgen/activation.h"
#include "perfgen/hostdevice.h"

namespace perfgen {

enum class LossKind : std::int8_t { half_sum = 0, half_mean = 1, mse = 2 };

struct NetShape {
  int width = 2;
  int input_dim = 1;
  bool bias = true;
  Activation activation = Activation::tanh;

  PERFGEN_HD int weight_dim() const { return input_dim + (bias ? 1 : 0); }  // dim w̃
  PERFGEN_HD int neuron_stride() const { return 1 + weight_dim(); }
  PERFGEN_HD int param_count() const { return width * neuron_stride(); }
};

// A shape known at compile time: the same math with loops the compiler can unroll. Functions
// below take either shape type.
template <int Width, int InputDim, bool Bias>
struct FixedShape {
  static constexpr int width = Width;
  static constexpr int input_dim = InputDim;
  static constexpr bool bias = Bias;
  Activation activation = Activation::tanh;

  PERFGEN_HD static constexpr int weight_dim() { return input_dim + (bias ? 1 : 0); }
  PERFGEN_HD static constexpr int neuron_stride() { return 1 + weight_dim(); }
  PERFGEN_HD static constexpr int param_count() { return width * neuron_stride(); }
  static bool matches(const NetShape& s) { return s.width == width && s.input_dim == input_dim && s.bias == bias; }
};

// The paper's two-neuron shapes, which the CPU and CUDA kernels compile with fixed sizes: Example 1
// (d = 1) and Appendix B (d = 3), with bias. Returns visit(FixedShape<...>{shape.activation}) for the
// one `shape` is, else otherwise().
template <class Visit, class Otherwise>
decltype(auto) with_paper_shape(const NetShape& shape, Visit visit, Otherwise otherwise) {
  if (FixedShape<2, 1, true>::matches(shape)) return visit(FixedShape<2, 1, true>{shape.activation});
  if (FixedShape<2, 3, true>::matches(shape)) return visit(FixedShape<2, 3, true>{shape.activation});
  return otherwise();
}

// A dataset in row-major layout: x_i = inputs[i*d .. i*d+d-1], y_i = targets[i]. MaxCount > 0
// promises count ≤ MaxCount: loops over the samples then have a compile-time bound and unroll, which
// lets a GPU thread keep the samples in registers (the CUDA tiny kernel); 0 means "any count".
template <class Real, int MaxCount = 0>
struct DataOf {
  const Real* inputs;
  const Real* targets;
  int count;
  PERFGEN_HD int loop_bound() const { return MaxCount > 0 ? MaxCount : count; }
};
using DataView = DataOf<double>;

// ℓ = loss_scale · Σ_i r_i² with r_i = f(x_i) − y_i.
PERFGEN_HD double loss_scale(LossKind kind, int n) {
  switch (kind) {
    case LossKind::half_sum:
      return 0.5;
    case LossKind::half_mean:
      return 0.5 / n;
    default:
      return 1.0 / n;  // mse
  }
}

// w_k·x + b_k for the neuron whose parameters start at `neuron` (neuron[0] is a_k).
template <class Shape, class Real>
PERFGEN_HD Real preactivation(const Shape& s, const Real* neuron, const Real* x) {
  Real z = s.bias ? neuron[1 + s.input_dim] : Real(0.0);
  for (int j = 0; j < s.input_dim; ++j) z = fused(neuron[1 + j], x[j], z);
  return z;
}

template <class Shape, class Real>
PERFGEN_HD Real forward(const Shape& s, const Real* theta, const Real* x) {
  Real f = 0.0;
  for (int k = 0; k < s.width; ++k) {
    const Real* neuron = theta + k * s.neuron_stride();
    f = fused(neuron[0], activation_value(s.activation, preactivation(s, neuron, x)), f);
  }
  return f;
}

template <class Shape, class Real>
PERFGEN_HD Real loss_value(const Shape& s, const Real* theta, DataOf<Real> data, LossKind kind) {
  Real sum = 0.0;
  for (int i = 0; i < data.count; ++i) {
    const Real r = forward(s, theta, data.inputs + i * s.input_dim) - data.targets[i];
    sum = fused(r, r, sum);
  }
  return loss_scale(kind, data.count) * sum;
}

// Numbers of scratch space loss_and_gradient needs: σ and σ' per (sample, neuron) plus residuals,
// so each activation is evaluated once per step. With DataOf<Real, MaxCount>, n is MaxCount.
template <class Shape>
PERFGEN_HD int gradient_workspace_size(const Shape& s, int n) {
  return n * (2 * s.width + 1);
}

// sum plus one sample's contribution to ∂ℓ/∂θ of neuron k's parameter j (0: a_k, 1..d: w_k, d + 1:
// b_k), with r = dℓ/df(x_i), value = σ(z_ik), slope = σ'(z_ik). Shared by every kernel's gradient; with
// sum = 0 it is the contribution itself (fused(u, v, 0) rounds u·v once).
template <class Shape, class Real>
PERFGEN_HD Real add_neuron_gradient_term(const Shape& s, Real r, Real a, Real value, Real slope, const Real* x, int j,
                                         Real sum) {
  if (j == 0) return fused(r, value, sum);
  const Real ra_slope = r * a * slope;
  return j <= s.input_dim ? fused(ra_slope, x[j - 1], sum) : sum + ra_slope;
}

// Returns ℓ(θ) = scale · Σ_i r_i² and writes ∇ℓ(θ) (param_count numbers) into grad. The activations
// of all samples are computed first, close together (the tanh evaluations then carry little live
// state); every sum runs over the samples in order i = 0, 1, … The sample loops have
// data.loop_bound() as their bound, so with a compile-time MaxCount and shape they unroll
// completely (GPU registers). `scale` is loss_scale(kind, n) for the whole sample; a kernel that
// splits the samples among threads passes the whole sample's scale with each part.
template <class Shape, class Real, int MaxCount>
PERFGEN_HD Real loss_and_gradient_scaled(const Shape& s, const Real* theta, DataOf<Real, MaxCount> data, double scale,
                                         Real* grad, Real* workspace) {
  const int m = s.width, d = s.input_dim, stride = s.neuron_stride(), n = data.count;
  const int rows = data.loop_bound();  // n, or MaxCount: then every workspace index is a constant
  Real* value = workspace;             // z_ik, then σ(z_ik), [i*m + k]
  Real* slope = workspace + rows * m;  // σ'(z_ik)
  Real* residual = workspace + 2 * rows * m;
  PERFGEN_UNROLL
  for (int i = 0; i < data.loop_bound(); ++i) {
    if (i >= n) break;
    for (int k = 0; k < m; ++k) value[i * m + k] = preactivation(s, theta + k * stride, data.inputs + i * d);
  }
  PERFGEN_UNROLL
  for (int i = 0; i < data.loop_bound(); ++i) {
    if (i >= n) break;
    activate_all(s.activation, value + i * m, value + i * m, slope + i * m, m);
  }
  Real sum_sq = 0.0;
  PERFGEN_UNROLL
  for (int i = 0; i < data.loop_bound(); ++i) {
    if (i >= n) break;
    Real f = 0.0;
    for (int k = 0; k < m; ++k) f = fused(theta[k * stride], value[i * m + k], f);
    residual[i] = f - data.targets[i];
    sum_sq = fused(residual[i], residual[i], sum_sq);
  }
  const double factor = 2.0 * scale;  // dℓ/df(x_i) = factor · r_i
  for (int k = 0; k < m; ++k) {
    const Real a = theta[k * stride];
    Real* g = grad + k * stride;
    for (int p = 0; p < stride; ++p) g[p] = 0.0;
    PERFGEN_UNROLL
    for (int i = 0; i < data.loop_bound(); ++i) {
      if (i >= n) break;
      const Real r = factor * residual[i];
      for (int p = 0; p < stride; ++p)
        g[p] = add_neuron_gradient_term(s, r, a, value[i * m + k], slope[i * m + k], data.inputs + i * d, p, g[p]);
    }
  }
  return scale * sum_sq;
}

template <class Shape, class Real, int MaxCount>
PERFGEN_HD Real loss_and_gradient(const Shape& s, const Real* theta, DataOf<Real, MaxCount> data, LossKind kind,
                                  Real* grad, Real* workspace) {
  return loss_and_gradient_scaled(s, theta, data, loss_scale(kind, data.count), grad, workspace);
}

// Floating-point operations of one step of loss_and_gradient and descend, activations not counted:
// per (sample, neuron) the pre-activation (2·weight_dim), σ' from σ (2), the forward sum (2) and the
// gradient (4 + 2·weight_dim); per sample the residual and its square (3); per parameter the update
// (2). Example 1 (m = 2, d = 1, bias, n = 6): 222 flops besides 12 activations.
inline double network_step_flops(const NetShape& s, int n) {
  const int per_pair = 2 * s.weight_dim() + 2 + 2 + 4 + 2 * s.weight_dim();
  return static_cast<double>(n) * s.width * per_pair + 3.0 * n + 2.0 * s.param_count();
}

// One gradient-descent step θ ← θ − lr·∇ℓ.
template <class Real, class Rate>
PERFGEN_HD void descend(int count, Rate lr, const Real* grad, Real* theta) {
  for (int p = 0; p < count; ++p) theta[p] = fused(Real(-lr), grad[p], theta[p]);
}

}  // namespace perfgen
