// Theorem 1 quantities of a run, from its data and its initial parameters θ0:
//   γ = Σ_i y_i x̃_i,  μ1 = |σ'(0)|·‖γ‖ (times the loss convention's curvature factor),
//   C_k = a_k‖γ‖ + sign(σ'(0))·w̃_k·γ,  μ_gd = ln(1 + η μ1)/η.
#pragma once

#include <cmath>

#include "perfgen/hostdevice.h"
#include "perfgen/network.h"

namespace perfgen {

// γ = Σ_i y_i x̃_i, written into gamma (weight_dim doubles).
PERFGEN_HD void data_gamma(const NetShape& s, DataView data, double* gamma) {
  const int d = s.input_dim;
  for (int j = 0; j < s.weight_dim(); ++j) gamma[j] = 0.0;
  for (int i = 0; i < data.count; ++i) {
    for (int j = 0; j < d; ++j) gamma[j] += data.targets[i] * data.inputs[i * d + j];
    if (s.bias) gamma[d] += data.targets[i];
  }
}

// Top eigenvalue of −∇²ℓ(0): the half sum's |σ'(0)|‖γ‖ scaled like the loss (×2·loss_scale).
PERFGEN_HD double theorem1_mu1(const NetShape& s, double gamma_norm, LossKind kind, int n) {
  return fabs(activation_slope_at_zero(s.activation)) * gamma_norm * 2.0 * loss_scale(kind, n);
}

// Growth rate of the escaping direction under discrete GD, per unit of time t = η·iteration; lr 0 is
// gradient flow, whose rate is μ1.
PERFGEN_HD double theorem1_mu_gd(double mu1, double lr) { return lr > 0.0 ? log1p(lr * mu1) / lr : mu1; }

// C_k for the neuron whose parameters start at `neuron` (neuron[0] = a_k, then w̃_k).
PERFGEN_HD double neuron_imbalance(const NetShape& s, const double* neuron, const double* gamma, double gamma_norm) {
  double dot = 0.0;
  for (int j = 0; j < s.weight_dim(); ++j) dot += neuron[1 + j] * gamma[j];
  const double sign = activation_slope_at_zero(s.activation) >= 0.0 ? 1.0 : -1.0;
  return neuron[0] * gamma_norm + sign * dot;
}

}  // namespace perfgen
