// A network of compile-time shape held in registers, as host-device code: the per-thread kernel
// keeps a whole network in one (lane 0, all samples); the lane-group kernel spreads one over a group
// of lanes, lane l holding samples [l·MaxCount, (l + 1)·MaxCount) ∩ [0, n). Every array index is a
// compile-time constant once the loops unroll, so nvcc keeps the arrays in registers (ptxas -v: no
// stack frame; tests/check_register_residency.sh).
#pragma once

#include "device_batch.h"

namespace perfgen::cuda {

template <class Shape, int MaxCount>
struct RegisterNetwork {
  static constexpr int kParams = Shape::param_count();
  static constexpr int kInputs = MaxCount * Shape::input_dim;
  Shape shape;
  TrainSettings settings;
  std::int64_t iteration;
  double scale;  // loss_scale of the whole sample
  int mine;      // the samples held here
  double theta[kParams], grad[kParams], x[kInputs], y[MaxCount];
  double work[MaxCount * (2 * Shape::width + 1)];

  PERFGEN_HD void load(const DeviceBatch& b, int i, int lane = 0) {
    const DeviceTrial& t = b.trials[i];
    shape.activation = t.shape.activation;
    settings = t.train;
    scale = loss_scale(settings.loss, t.n);
    iteration = b.results[i].train.iterations;
    const int first = lane * MaxCount;
    mine = t.n - first < 0 ? 0 : (t.n - first < MaxCount ? t.n - first : MaxCount);
    PERFGEN_UNROLL
    for (int p = 0; p < kParams; ++p) theta[p] = b.theta[t.theta + p];
    PERFGEN_UNROLL
    for (int q = 0; q < kInputs; ++q)
      x[q] = q < mine * Shape::input_dim ? b.inputs[t.inputs + first * Shape::input_dim + q] : 0.0;
    PERFGEN_UNROLL
    for (int q = 0; q < MaxCount; ++q) y[q] = q < mine ? b.targets[t.targets + first + q] : 0.0;
  }
  // The held samples' part of ℓ (returned) and of ∇ℓ (in grad), with the whole sample's loss scale.
  PERFGEN_HD double partial() {
    return loss_and_gradient_scaled(shape, theta, DataOf<double, MaxCount>{x, y, mine}, scale, grad, work);
  }
  // With loss and grad of the whole sample: true when the network stops (result filled in).
  PERFGEN_HD bool finish(double loss, TrainResult& result) {
    if (stop_or_descend(loss, kParams, grad, settings, iteration, theta, result)) return true;
    ++iteration;
    return false;
  }
  // One step of a network held whole.
  PERFGEN_HD bool step(TrainResult& result) { return finish(partial(), result); }
  PERFGEN_HD void store(const DeviceBatch& b, int i) const {
    PERFGEN_UNROLL
    for (int p = 0; p < kParams; ++p) b.theta[b.trials[i].theta + p] = theta[p];
    b.results[i].train.iterations = iteration;
  }
};

}  // namespace perfgen::cuda
