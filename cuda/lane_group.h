// One lane's share of a network spread over a group of lanes (the latency shape of
// cuda/group_kernel.cu), as host-device code so a host test can run a group's lanes in lockstep.
// Lane l holds samples [2l, 2l + 2) ∩ [0, n), runs the shared loss_and_gradient_scaled on them with
// the whole sample's loss scale (partial), the kernel sums loss and gradient over the group with a
// butterfly that leaves the same sum in every lane, and every lane then takes the same stop decision
// and step (finish).
#pragma once

#include "device_batch.h"

namespace perfgen::cuda {

constexpr int kSamplesPerLane = 2;

template <class Shape>
struct LaneShare {
  static constexpr int kParams = Shape::param_count();
  static constexpr int kInputs = kSamplesPerLane * Shape::input_dim;
  Shape shape;
  TrainSettings settings;
  std::int64_t iteration;
  double scale;  // loss_scale of the whole sample
  int mine;      // this lane's samples
  double theta[kParams], grad[kParams], x[kInputs], y[kSamplesPerLane];
  double work[kSamplesPerLane * (2 * Shape::width + 1)];

  PERFGEN_HD void load(const DeviceBatch& b, int i, int lane) {
    const DeviceTrial& t = b.trials[i];
    shape.activation = t.shape.activation;
    settings = t.train;
    scale = loss_scale(settings.loss, t.n);
    iteration = b.results[i].train.iterations;
    const int first = lane * kSamplesPerLane;
    mine = t.n - first < 0 ? 0 : (t.n - first < kSamplesPerLane ? t.n - first : kSamplesPerLane);
    PERFGEN_UNROLL
    for (int p = 0; p < kParams; ++p) theta[p] = b.theta[t.theta + p];
    PERFGEN_UNROLL
    for (int q = 0; q < kInputs; ++q)
      x[q] = q < mine * Shape::input_dim ? b.inputs[t.inputs + first * Shape::input_dim + q] : 0.0;
    PERFGEN_UNROLL
    for (int q = 0; q < kSamplesPerLane; ++q) y[q] = q < mine ? b.targets[t.targets + first + q] : 0.0;
  }
  // This lane's part of ℓ (returned) and of ∇ℓ (in grad).
  PERFGEN_HD double partial() {
    return loss_and_gradient_scaled(shape, theta, DataOf<double, kSamplesPerLane>{x, y, mine}, scale, grad, work);
  }
  // With loss and grad summed over the group: true when the network stops (result filled in).
  PERFGEN_HD bool finish(double loss, TrainResult& result) {
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

}  // namespace perfgen::cuda
