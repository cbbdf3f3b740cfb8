// The worker of the per-thread kernels, as host-device code: every GPU thread runs drain_queue, and a
// host test runs it in one thread over the same batch (one legal interleaving of the threads), which
// checks the queue, the suspension between launches and the register network without a GPU.
// A worker trains one network at a time; when it stops, the worker claims the next one at once, so
// a warp is never held by its slowest member.
#pragma once

#include "device_batch.h"

namespace perfgen::cuda {

// A network of compile-time shape with at most MaxCount samples. Every array index is a compile-time
// constant once the loops unroll, so nvcc keeps the arrays in registers (ptxas -v: no stack frame;
// tests/check_register_residency.sh).
template <class Shape, int MaxCount>
struct RegisterNetwork {
  static constexpr int kParams = Shape::param_count();
  static constexpr int kInputs = MaxCount * Shape::input_dim;
  Shape shape;
  TrainSettings settings;
  std::int64_t iteration;
  int n;
  double theta[kParams], grad[kParams], x[kInputs], y[MaxCount];
  double work[MaxCount * (2 * Shape::width + 1)];

  PERFGEN_HD void load(const DeviceBatch& b, int i) {
    const DeviceTrial& t = b.trials[i];
    shape.activation = t.shape.activation;
    settings = t.train;
    n = t.n;
    iteration = b.results[i].train.iterations;
    PERFGEN_UNROLL
    for (int p = 0; p < kParams; ++p) theta[p] = b.theta[t.theta + p];
    PERFGEN_UNROLL
    for (int q = 0; q < kInputs; ++q) x[q] = q < n * Shape::input_dim ? b.inputs[t.inputs + q] : 0.0;
    PERFGEN_UNROLL
    for (int q = 0; q < MaxCount; ++q) y[q] = q < n ? b.targets[t.targets + q] : 0.0;
  }
  PERFGEN_HD bool step(TrainResult& result) {
    const double loss = loss_and_gradient(shape, theta, DataOf<double, MaxCount>{x, y, n}, settings.loss, grad, work);
    if (stop_or_descend(loss, kParams, grad, settings, iteration, theta, result)) return true;
    ++iteration;
    return false;
  }
  PERFGEN_HD void store(const DeviceBatch& b, int i) const {
    PERFGEN_UNROLL
    for (int p = 0; p < kParams; ++p) b.theta[b.trials[i].theta + p] = theta[p];
    b.results[i].train.iterations = iteration;
  }
};

// Any shape: θ trains in place in the batch's parameter buffer, ∇ℓ and the activations in the
// trial's scratch slot.
struct GlobalNetwork {
  const DeviceTrial* trial;
  double* theta;
  double* grad;
  const double* inputs;
  const double* targets;
  std::int64_t iteration;

  PERFGEN_HD void load(const DeviceBatch& b, int i) {
    trial = &b.trials[i];
    theta = b.theta + trial->theta;
    grad = b.scratch + trial->scratch;
    inputs = b.inputs + trial->inputs;
    targets = b.targets + trial->targets;
    iteration = b.results[i].train.iterations;
  }
  PERFGEN_HD bool step(TrainResult& result) {
    const NetShape& s = trial->shape;
    const int count = s.param_count();
    const double loss = loss_and_gradient(s, theta, DataView{inputs, targets, trial->n}, trial->train.loss, grad,
                                          grad + count);
    if (stop_or_descend(loss, count, grad, trial->train, iteration, theta, result)) return true;
    ++iteration;
    return false;
  }
  PERFGEN_HD void store(const DeviceBatch& b, int i) const { b.results[i].train.iterations = iteration; }
};

// One launch's work of one worker: at most `budget` steps; a network still running then is suspended
// (θ and iteration stored) and the next launch resumes it.
template <class Network>
PERFGEN_HD void drain_queue(const DeviceBatch& b, std::int64_t budget) {
  Network net;
  int i = claim_network(b);
  if (i < b.count) net.load(b, i);
  for (std::int64_t step = 0; i < b.count; ++step) {
    if (step == budget) {
      net.store(b, i);
      return;
    }
    TrainResult result;
    if (net.step(result)) {
      net.store(b, i);
      record_stop(b, i, result);
      i = claim_network(b);
      if (i < b.count) net.load(b, i);
    }
  }
}

}  // namespace perfgen::cuda
