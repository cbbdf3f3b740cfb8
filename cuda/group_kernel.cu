// The latency shape: one network spread over a group of lanes of a warp. When a sweep has fewer
// networks than the GPU has threads, a step's wall time is what limits it; splitting the samples
// among Lanes lanes shortens the dependent chain of a step to about 1/Lanes of the samples plus a
// log2(Lanes)-level butterfly sum. The loop is cuda/group_loop.h's, shared with the host test; here
// are its team (the group's lanes: shuffles) and the launch. The butterfly leaves the same sum in
// every lane (a + b == b + a exactly).
#include <cuda_runtime.h>

#include "cuda_check.h"
#include "device_batch.h"
#include "group_loop.h"
#include "kernels.h"
#include "launch_geometry.cuh"

namespace perfgen::cuda {
namespace {

constexpr int kGroupBlockThreads = 64;  // small blocks spread few networks over many multiprocessors

// The team of cuda/team.h: the Lanes lanes of a warp that hold one network (`mask`).
template <int Lanes>
struct WarpLanes {
  unsigned mask;

  __device__ unsigned rank() const { return threadIdx.x % Lanes; }
  // A butterfly: every lane ends with the same value.
  __device__ double sum(double v) const {
#pragma unroll
    for (int offset = Lanes / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(mask, v, offset, Lanes);
    return v;
  }
  __device__ int broadcast(int v) const { return __shfl_sync(mask, v, 0, Lanes); }
  __device__ void sync() const { __syncwarp(mask); }
};

template <class Shape, int Lanes>
__global__ void train_per_group(DeviceBatch b, std::int64_t budget) {
  const unsigned lanes = Lanes == 32 ? 0xffffffffu : (1u << Lanes) - 1;
  drain_group_queue<Shape>(b, budget, WarpLanes<Lanes>{lanes << (threadIdx.x % 32 / Lanes * Lanes)});
}

template <class Shape, int Lanes>
void launch(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits) {
  const int blocks =
      resident_blocks(train_per_group<Shape, Lanes>, kGroupBlockThreads, b.count, kGroupBlockThreads / Lanes, limits);
  PERFGEN_LAUNCH(blocks, kGroupBlockThreads, train_per_group<Shape, Lanes>)(b, budget);
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
  if (with_register_shape(shape,
                          [&](auto compiled) { return launch_shape<decltype(compiled)>(b, lanes, budget, limits); }))
    return;
  throw std::logic_error("launch_per_group: no lane-group kernel for this shape and group size");
}

}  // namespace perfgen::cuda
