// The worker of the per-thread kernels, as host-device code: every GPU thread runs drain_queue, and a
// host test runs it in one thread over the same batch (one legal interleaving of the threads), which
// checks the queue, the suspension between launches and the networks without a GPU. A network is a
// RegisterNetwork (cuda/register_network.h), a GlobalNetwork or a FlowNetwork.
// A worker trains one network at a time; when it stops, the worker claims the next one at once, so
// a warp is never held by its slowest member.
#pragma once

#include "device_batch.h"
#include "perfgen/flow.h"
#include "register_network.h"

namespace perfgen::cuda {

// Where a network of the global-memory workers lives: θ in the batch's parameter buffer (trained in
// place), its data, and the trial's scratch slot.
struct GlobalSlot {
  const DeviceTrial* trial;
  double* theta;
  double* scratch;
  const double* inputs;
  const double* targets;

  PERFGEN_HD void locate(const DeviceBatch& b, int i) {
    trial = &b.trials[i];
    theta = b.theta + trial->theta;
    scratch = b.scratch + trial->scratch;
    inputs = b.inputs + trial->inputs;
    targets = b.targets + trial->targets;
  }
  PERFGEN_HD DataView data() const { return DataView{inputs, targets, trial->n}; }
};

// Gradient descent, any shape: ∇ℓ and the activations in the scratch slot.
struct GlobalNetwork : GlobalSlot {
  std::int64_t iteration;

  PERFGEN_HD void load(const DeviceBatch& b, int i) {
    locate(b, i);
    iteration = b.results[i].train.iterations;
  }
  PERFGEN_HD bool step(TrainResult& result) {
    const NetShape& s = trial->shape;
    const int count = s.param_count();
    double* grad = scratch;
    const double loss = loss_and_gradient(s, theta, data(), trial->train.loss, grad, grad + count);
    if (stop_or_descend(loss, count, grad, trial->train, iteration, theta, result)) return true;
    ++iteration;
    return false;
  }
  PERFGEN_HD void store(const DeviceBatch& b, int i) const { b.results[i].train.iterations = iteration; }
};

// Gradient flow (TrainMethod::flow), any shape the flow accepts: one integrator step per step(). The
// scratch slot holds the step size to try next (which a suspension must keep), ∇ℓ and
// integrate_flow's scratch. Time and steps live in the result, so a network resumes where it paused:
// integrate_flow takes the same steps however its calls are split (the CPU backend makes them in
// chunks of 4096). One step per call costs a seventh gradient (the pause re-evaluates ℓ and ∇ℓ at the
// θ the last call ended on), the price of the queue's step budget.
struct FlowNetwork : GlobalSlot {
  FlowState state;

  static std::int64_t scratch_doubles(const NetShape& s, int n) {
    return 1 + s.param_count() + flow_scratch_size(s, n);
  }
  PERFGEN_HD void load(const DeviceBatch& b, int i) {
    locate(b, i);
    state.time = b.results[i].train.time;
    state.accepted = b.results[i].train.iterations;
    state.step = scratch[0];
    state.rejected = 0;  // not kept across launches: the host does not read it
  }
  PERFGEN_HD bool step(TrainResult& result) {
    const TrainSettings& settings = trial->train;
    const int count = trial->shape.param_count();
    result = integrate_flow(trial->shape, data(), settings, settings.max_time, 1, theta, scratch + 1, state,
                            scratch + 1 + count);
    return flow_finished(result, state, settings);
  }
  PERFGEN_HD void store(const DeviceBatch& b, int i) const {
    b.results[i].train.iterations = state.accepted;
    b.results[i].train.time = state.time;
    scratch[0] = state.step;
  }
};

// One launch's work of one worker: at most `budget` steps; a network still running then is suspended
// (θ and iteration stored) and the next launch resumes it.
template <class Network>
PERFGEN_HD void drain_queue(const DeviceBatch& b, std::int64_t budget) {
  Network net;
  int i = claim_network(b);
  std::int64_t loaded_at = 0;  // the network's step count when this worker took it up
  auto load = [&] {
    if (i >= b.count) return;
    loaded_at = b.results[i].train.iterations;
    net.load(b, i);
  };
  auto count_steps = [&] { add_to(&b.work->steps, b.results[i].train.iterations - loaded_at); };
  load();
  for (std::int64_t step = 0; i < b.count; ++step) {
    if (step == budget) {
      net.store(b, i);
      count_steps();
      return;
    }
    TrainResult result;
    if (net.step(result)) {
      net.store(b, i);
      record_stop(b, i, result);
      count_steps();
      i = claim_network(b);
      load();
    }
  }
}

}  // namespace perfgen::cuda
