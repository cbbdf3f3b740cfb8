// The per-thread kernels of the tiny regime: one network per thread, the iteration loop inside the
// kernel (cuda/thread_worker.h). Networks of the paper's two-neuron shapes with few samples live
// entirely in registers (θ, ∇ℓ, the samples, the activations); any other shape keeps its state in
// global memory.
#include <cuda_runtime.h>

#include "cuda_check.h"
#include "device_batch.h"
#include "kernels.h"
#include "launch_geometry.cuh"
#include "thread_worker.h"

namespace perfgen::cuda {
namespace {

template <class Network>
__global__ void train_per_thread(DeviceBatch b, std::int64_t budget) {
  drain_queue<Network>(b, budget);
}

template <class Network>
void launch(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits) {
  constexpr int kThreads = 128;
  const int blocks = resident_blocks(train_per_thread<Network>, kThreads, b.count, kThreads, limits);
  PERFGEN_LAUNCH(blocks, kThreads, train_per_thread<Network>)(b, budget);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void launch_flow(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits) {
  launch<FlowNetwork>(b, budget, limits);
}

void launch_per_thread(const DeviceBatch& b, const NetShape& shape, int register_samples, std::int64_t budget,
                       const DeviceLimits& limits) {
  const bool in_registers = with_register_shape(shape, [&](auto compiled) {
    return with_register_samples(register_samples, [&](auto samples) {
      launch<RegisterNetwork<decltype(compiled), decltype(samples)::value>>(b, budget, limits);
      return true;
    });
  });
  if (!in_registers) launch<GlobalNetwork>(b, budget, limits);
}

}  // namespace perfgen::cuda
