// What a trained network achieved: generalization error on a test set and which piece of the
// target set Q* its neurons sit on.
#pragma once

#include <cmath>

#include "perfgen/hostdevice.h"
#include "perfgen/network.h"

namespace perfgen {

struct GeneralizationError {
  double mean_squared = 0.0;  // mean over the test set of (f_θ(x) − f*(x))²
  double max_abs = 0.0;       // max over the test set of |f_θ(x) − f*(x)|
};

// test.targets holds f*(x) at the test inputs.
template <class Shape>
PERFGEN_HD GeneralizationError generalization_error(const Shape& s, const double* theta, DataView test) {
  GeneralizationError e;
  for (int i = 0; i < test.count; ++i) {
    const double diff = forward(s, theta, test.inputs + i * s.input_dim) - test.targets[i];
    e.mean_squared = fused(diff, diff, e.mean_squared);
    e.max_abs = fmax(e.max_abs, fabs(diff));
  }
  e.mean_squared /= test.count;
  return e;
}

// Distance of w̃_k to the target's w̃0, relative to ‖w̃0‖, up to the odd-symmetry sign.
PERFGEN_HD double target_distance(const NetShape& s, const double* neuron, const double* target_weights) {
  double plus = 0.0, minus = 0.0, norm = 0.0;
  for (int j = 0; j < s.weight_dim(); ++j) {
    const double w = neuron[1 + j], w0 = target_weights[j];
    minus = fused(w - w0, w - w0, minus);
    plus = fused(w + w0, w + w0, plus);
    norm = fused(w0, w0, norm);
  }
  const double closest = activation_is_odd(s.activation) ? fmin(minus, plus) : minus;
  return sqrt(closest / norm);
}

// ‖w̃_k‖/‖w̃0‖: a neuron whose w̃ vanishes is inert (σ(0) = 0), whatever its a_k.
PERFGEN_HD double weight_norm_ratio(const NetShape& s, const double* neuron, const double* target_weights) {
  double norm = 0.0, target = 0.0;
  for (int j = 0; j < s.weight_dim(); ++j) {
    norm = fused(neuron[1 + j], neuron[1 + j], norm);
    target = fused(target_weights[j], target_weights[j], target);
  }
  return sqrt(norm / target);
}

// Stored as int8 (flag_values 0..2). Q1: every active neuron on target and at least two of them;
// Q2: exactly one active neuron, on target, the rest silent; off_target: anything else.
enum class Branch : signed char { off_target = 0, q1 = 1, q2 = 2 };
// The one name table of Branch, by value.
inline constexpr const char* kBranchNames[] = {"off_target", "Q1", "Q2"};

struct BranchCounts {
  int on = 0;      // active neurons whose w̃ is within on_target_tol of ±w̃0
  int silent = 0;  // neurons that output nothing: |a_k| < silent_tol, or ‖w̃_k‖ < silent_tol·‖w̃0‖ (σ(0) = 0)
  int other = 0;
  Branch branch = Branch::off_target;
};

struct BranchTolerances {
  double on_target = 1e-3;
  double silent = 1e-3;
};

// Counts the neurons of theta; writes the per-neuron a_k and distance when the outputs are given.
PERFGEN_HD BranchCounts classify_branch(const NetShape& s, const double* theta, const double* target_weights,
                                        BranchTolerances tol, double* final_a, double* distance) {
  BranchCounts counts;
  for (int k = 0; k < s.width; ++k) {
    const double* neuron = theta + k * s.neuron_stride();
    const double dist = target_distance(s, neuron, target_weights);
    if (final_a) final_a[k] = neuron[0];
    if (distance) distance[k] = dist;
    if (fabs(neuron[0]) < tol.silent || weight_norm_ratio(s, neuron, target_weights) < tol.silent)
      ++counts.silent;
    else if (dist < tol.on_target)
      ++counts.on;
    else
      ++counts.other;
  }
  if (counts.other == 0 && counts.on >= 2)
    counts.branch = Branch::q1;
  else if (counts.other == 0 && counts.on == 1)
    counts.branch = Branch::q2;
  return counts;
}

}  // namespace perfgen
