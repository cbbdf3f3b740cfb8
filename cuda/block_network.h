// One wide network of the block kernel, as host-device code: the block loop (cuda/block_loop.h)
// spreads each phase of a step over a team's members with barriers in between, on the device and in
// the host test. θ, ∇ℓ and the activations live in the trial's global-memory slots, laid out as
// loss_and_gradient's workspace (σ at [sample·m + k], then σ', then the residuals).
#pragma once

#include "device_batch.h"

namespace perfgen::cuda {

struct BlockNetwork {
  NetShape s;
  TrainSettings settings;
  int n, m, d, stride, count;
  const double* x;
  const double* y;
  double* theta;
  double* grad;
  double* value;
  double* slope;
  double* residual;
  double scale, factor;  // ℓ = scale · Σ r², dℓ/df(x_i) = factor · r_i

  PERFGEN_HD static BlockNetwork of(const DeviceBatch& b, int i) {
    const DeviceTrial& t = b.trials[i];
    BlockNetwork net;
    net.s = t.shape;
    net.settings = t.train;
    net.n = t.n;
    net.m = t.shape.width;
    net.d = t.shape.input_dim;
    net.stride = t.shape.neuron_stride();
    net.count = t.shape.param_count();
    net.x = b.inputs + t.inputs;
    net.y = b.targets + t.targets;
    net.theta = b.theta + t.theta;
    net.grad = b.scratch + t.scratch;
    net.value = net.grad + net.count;
    net.slope = net.value + net.n * net.m;
    net.residual = net.slope + net.n * net.m;
    net.scale = loss_scale(t.train.loss, t.n);
    net.factor = 2.0 * net.scale;
    return net;
  }
  // Phase 1, pair q = sample · m + k: σ and σ' of neuron k at the sample.
  PERFGEN_HD void activation(int q) const {
    const int sample = q / m, k = q % m;
    value[q] = preactivation(s, theta + k * stride, x + sample * d);
    activate(s.activation, value[q], value[q], slope[q]);
  }
  // Phase 2: the neurons k ≡ lane (mod lanes) of f(x_sample); the lanes' parts sum to f.
  PERFGEN_HD double output_part(int sample, int lane, int lanes) const {
    double f = 0.0;
    for (int k = lane; k < m; k += lanes) f = fused(theta[k * stride], value[sample * m + k], f);
    return f;
  }
  PERFGEN_HD void set_residual(int sample, double f) const { residual[sample] = f - y[sample]; }
  // Phase 3: gradient entry p (neuron p / stride, parameter p % stride), summed over the samples in
  // order; stored and returned.
  PERFGEN_HD double gradient_entry(int p) const {
    const int k = p / stride, j = p % stride;
    const double a = theta[k * stride];
    double g = 0.0;
    for (int sample = 0; sample < n; ++sample)
      g = add_neuron_gradient_term(s, factor * residual[sample], a, value[sample * m + k], slope[sample * m + k],
                                   x + sample * d, j, g);
    grad[p] = g;
    return g;
  }
  // The stopping rule at ℓ(θ_t), with ‖∇ℓ‖ summed over the block: true when the network stops.
  PERFGEN_HD bool stops(double loss, double grad_norm, std::int64_t iteration, TrainResult& result) const {
    if (!reached_stop(loss, grad_norm, iteration, settings, result.status)) return false;
    result.iterations = iteration;
    result.final_loss = loss;
    result.grad_norm = grad_norm;
    return true;
  }
  // Phase 4: the step of entry p.
  PERFGEN_HD void descend_entry(int p) const { descend(1, settings.lr, grad + p, theta + p); }
};

}  // namespace perfgen::cuda
