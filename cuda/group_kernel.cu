// The latency shape: one network spread over a group of lanes of a warp. When a sweep has fewer
// networks than the GPU has threads, a step's wall time is what limits it; splitting the samples
// among Lanes lanes shortens the dependent chain of a step to about 1/Lanes of the samples plus a
// log2(Lanes)-level butterfly sum. Each lane runs the shared loss_and_gradient_scaled on its own
// samples (with the whole sample's loss scale), the butterfly leaves the same sum in every lane
// (a + b == b + a exactly), so every lane takes the same stop decision and the same step.
#include <cuda_runtime.h>

#include "cuda_check.h"
#include "device_batch.h"
#include "kernels.h"

namespace perfgen::cuda {
namespace {

constexpr int kSamplesPerLane = 2;
constexpr int kGroupBlockThreads = 64;  // small blocks spread few networks over many multiprocessors

template <class Shape, int Lanes>
struct LaneGroup {
  static constexpr int kParams = Shape::param_count();
  static constexpr int kInputs = kSamplesPerLane * Shape::input_dim;
  Shape shape;
  TrainSettings settings;
  std::int64_t iteration;
  double scale;  // loss_scale of the whole sample
  int mine;      // this lane's samples
  unsigned mask;
  double theta[kParams], grad[kParams], x[kInputs], y[kSamplesPerLane];
  double work[kSamplesPerLane * (2 * Shape::width + 1)];

  __device__ int lane() const { return threadIdx.x % Lanes; }

  __device__ int claim(const DeviceBatch& b) const {
    const int i = lane() == 0 ? claim_network(b) : 0;
    return __shfl_sync(mask, i, 0, Lanes);
  }
  __device__ void load(const DeviceBatch& b, int i) {
    const DeviceTrial& t = b.trials[i];
    shape.activation = t.shape.activation;
    settings = t.train;
    scale = loss_scale(settings.loss, t.n);
    iteration = b.results[i].train.iterations;
    const int first = lane() * kSamplesPerLane;
    mine = max(0, min(kSamplesPerLane, t.n - first));
#pragma unroll
    for (int p = 0; p < kParams; ++p) theta[p] = b.theta[t.theta + p];
#pragma unroll
    for (int q = 0; q < kInputs; ++q)
      x[q] = q < mine * Shape::input_dim ? b.inputs[t.inputs + first * Shape::input_dim + q] : 0.0;
#pragma unroll
    for (int q = 0; q < kSamplesPerLane; ++q) y[q] = q < mine ? b.targets[t.targets + first + q] : 0.0;
  }
  __device__ bool step(TrainResult& result) {
    double loss = loss_and_gradient_scaled(shape, theta, DataOf<double, kSamplesPerLane>{x, y, mine}, scale, grad, work);
#pragma unroll
    for (int offset = Lanes / 2; offset > 0; offset /= 2) {
      loss += __shfl_xor_sync(mask, loss, offset, Lanes);
#pragma unroll
      for (int p = 0; p < kParams; ++p) grad[p] += __shfl_xor_sync(mask, grad[p], offset, Lanes);
    }
    if (stop_or_descend(loss, kParams, grad, settings, iteration, theta, result)) return true;
    ++iteration;
    return false;
  }
  __device__ void store(const DeviceBatch& b, int i) const {
    if (lane() != 0) return;
#pragma unroll
    for (int p = 0; p < kParams; ++p) b.theta[b.trials[i].theta + p] = theta[p];
    b.results[i].train.iterations = iteration;
  }
};

template <class Shape, int Lanes>
__global__ void train_per_group(DeviceBatch b, std::int64_t budget) {
  LaneGroup<Shape, Lanes> net;
  const unsigned lanes = Lanes == 32 ? 0xffffffffu : (1u << Lanes) - 1;
  net.mask = lanes << (threadIdx.x % 32 / Lanes * Lanes);
  int i = net.claim(b);
  if (i < b.count) net.load(b, i);
  for (std::int64_t step = 0; i < b.count; ++step) {
    if (step == budget) {
      net.store(b, i);
      return;
    }
    TrainResult result;
    if (net.step(result)) {
      net.store(b, i);
      if (net.lane() == 0) record_stop(b, i, result);
      i = net.claim(b);
      if (i < b.count) net.load(b, i);
    }
  }
}

template <class Shape, int Lanes>
void launch(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits) {
  int resident = 0;
  CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, train_per_group<Shape, Lanes>,
                                                           kGroupBlockThreads, 0));
  const int groups_per_block = kGroupBlockThreads / Lanes;
  const int needed = (b.count + groups_per_block - 1) / groups_per_block;
  const int blocks = std::max(1, std::min(needed, resident * limits.multiprocessors));
  train_per_group<Shape, Lanes><<<blocks, kGroupBlockThreads>>>(b, budget);
  CUDA_CHECK_LAUNCH();
}

template <class Shape>
bool launch_shape(const DeviceBatch& b, const NetShape& shape, int lanes, std::int64_t budget,
                  const DeviceLimits& limits) {
  if (!Shape::matches(shape)) return false;
  switch (lanes) {
    case 2: launch<Shape, 2>(b, budget, limits); return true;
    case 4: launch<Shape, 4>(b, budget, limits); return true;
    case 8: launch<Shape, 8>(b, budget, limits); return true;
    case 16: launch<Shape, 16>(b, budget, limits); return true;
    case 32: launch<Shape, 32>(b, budget, limits); return true;
    default: return false;
  }
}

}  // namespace

int smallest_group(const NetShape& shape, int max_n) {
  if (!FixedShape<2, 1, true>::matches(shape) && !FixedShape<2, 3, true>::matches(shape)) return 0;
  for (int lanes = 2; lanes <= 32; lanes *= 2)
    if (lanes * kSamplesPerLane >= max_n) return lanes;
  return 0;
}

bool group_fits(const NetShape& shape, int max_n, int lanes) {
  return smallest_group(shape, max_n) != 0 && lanes >= smallest_group(shape, max_n) && lanes <= 32 &&
         (lanes & (lanes - 1)) == 0;
}

void launch_per_group(const DeviceBatch& b, const NetShape& shape, int lanes, std::int64_t budget,
                      const DeviceLimits& limits) {
  if (launch_shape<FixedShape<2, 1, true>>(b, shape, lanes, budget, limits)) return;
  if (launch_shape<FixedShape<2, 3, true>>(b, shape, lanes, budget, limits)) return;
  throw std::logic_error("launch_per_group: no lane-group kernel for this shape and group size");
}

}  // namespace perfgen::cuda
