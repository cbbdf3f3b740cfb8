// The worker of the per-thread kernels, as host-device code: every GPU thread runs drain_queue, and a
// host test runs it in one thread over the same batch (one legal interleaving of the threads), which
// checks the queue, the suspension between launches and the networks without a GPU. A network is a
// RegisterNetwork (cuda/register_network.h) or a GlobalNetwork.
// A worker trains one network at a time; when it stops, the worker claims the next one at once, so
// a warp is never held by its slowest member.
#pragma once

#include "device_batch.h"
#include "register_network.h"

namespace perfgen::cuda {

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
    const double loss =
        loss_and_gradient(s, theta, DataView{inputs, targets, trial->n}, trial->train.loss, grad, grad + count);
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
