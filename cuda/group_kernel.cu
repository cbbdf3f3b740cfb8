// The latency shape: one network spread over a group of lanes of a warp (a RegisterNetwork per lane,
// cuda/register_network.h). When a sweep has fewer
// networks than the GPU has threads, a step's wall time is what limits it; splitting the samples
// among Lanes lanes shortens the dependent chain of a step to about 1/Lanes of the samples plus a
// log2(Lanes)-level butterfly sum. Each lane runs the shared loss_and_gradient_scaled on its own
// samples (with the whole sample's loss scale), the butterfly leaves the same sum in every lane
// (a + b == b + a exactly), so every lane takes the same stop decision and the same step.
#include <cuda_runtime.h>

#include "cuda_check.h"
#include "device_batch.h"
#include "kernels.h"
#include "launch_geometry.cuh"
#include "register_network.h"

namespace perfgen::cuda {
namespace {

constexpr int kGroupBlockThreads = 64;  // small blocks spread few networks over many multiprocessors

// Sums v over the group's lanes with a butterfly: every lane ends with the same value.
template <int Lanes>
__device__ double group_sum(double v, unsigned mask) {
#pragma unroll
  for (int offset = Lanes / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(mask, v, offset, Lanes);
  return v;
}

template <class Shape, int Lanes>
__global__ void train_per_group(DeviceBatch b, std::int64_t budget) {
  RegisterNetwork<Shape, kSamplesPerLane> net;
  const int lane = threadIdx.x % Lanes;
  const unsigned lanes = Lanes == 32 ? 0xffffffffu : (1u << Lanes) - 1;
  const unsigned mask = lanes << (threadIdx.x % 32 / Lanes * Lanes);
  auto claim = [&] {  // lane 0 claims for the group
    const int i = lane == 0 ? claim_network(b) : 0;
    return __shfl_sync(mask, i, 0, Lanes);
  };
  int i = claim();
  if (i < b.count) net.load(b, i, lane);
  for (std::int64_t step = 0; i < b.count; ++step) {
    if (step == budget) {
      if (lane == 0) net.store(b, i);
      return;
    }
    const double loss = group_sum<Lanes>(net.partial(), mask);
#pragma unroll
    for (int p = 0; p < Shape::param_count(); ++p) net.grad[p] = group_sum<Lanes>(net.grad[p], mask);
    TrainResult result;
    if (net.finish(loss, result)) {
      if (lane == 0) {
        net.store(b, i);
        record_stop(b, i, result);
      }
      i = claim();
      if (i < b.count) net.load(b, i, lane);
    }
  }
}

template <class Shape, int Lanes>
void launch(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits) {
  const int blocks =
      resident_blocks(train_per_group<Shape, Lanes>, kGroupBlockThreads, b.count, kGroupBlockThreads / Lanes, limits);
  train_per_group<Shape, Lanes><<<blocks, kGroupBlockThreads>>>(b, budget);
  CUDA_CHECK_LAUNCH();
}

template <class Shape>
bool launch_shape(const DeviceBatch& b, int lanes, std::int64_t budget, const DeviceLimits& limits) {
  switch (lanes) {
    case 2:
      launch<Shape, 2>(b, budget, limits);
      return true;
    case 4:
      launch<Shape, 4>(b, budget, limits);
      return true;
    case 8:
      launch<Shape, 8>(b, budget, limits);
      return true;
    case 16:
      launch<Shape, 16>(b, budget, limits);
      return true;
    case 32:
      launch<Shape, 32>(b, budget, limits);
      return true;
    default:
      return false;
  }
}

}  // namespace

void launch_per_group(const DeviceBatch& b, const NetShape& shape, int lanes, std::int64_t budget,
                      const DeviceLimits& limits) {
  if (with_compiled_shape(shape, [&](auto compiled) { return launch_shape<decltype(compiled)>(b, lanes, budget, limits); }))
    return;
  throw std::logic_error("launch_per_group: no lane-group kernel for this shape and group size");
}

}  // namespace perfgen::cuda
