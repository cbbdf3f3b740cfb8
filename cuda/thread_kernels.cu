// The per-thread kernels of the tiny regime: one network per thread, the iteration loop inside the
// kernel (cuda/thread_worker.h). Networks of the paper's two-neuron shapes with few samples live
// entirely in registers (θ, ∇ℓ, the samples, the activations); any other shape keeps its state in
// global memory.
#include <cuda_runtime.h>

#include "cuda_check.h"
#include "device_batch.h"
#include "kernels.h"
#include "thread_worker.h"

namespace perfgen::cuda {
namespace {

// Up to 8 samples the two-neuron networks fit in registers without spilling (ptxas -v, sm_90: 177
// registers for d = 1, 224 for d = 3); 16 samples spill.
constexpr int kRegisterSamples = 8;

template <class Network>
__global__ void train_per_thread(DeviceBatch b, std::int64_t budget) {
  drain_queue<Network>(b, budget);
}

template <class Network>
void launch(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits) {
  constexpr int kThreads = 128;
  int resident = 0;
  CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, train_per_thread<Network>, kThreads, 0));
  const int needed = (b.count + kThreads - 1) / kThreads;
  const int blocks = std::max(1, std::min(needed, resident * limits.multiprocessors));
  train_per_thread<Network><<<blocks, kThreads>>>(b, budget);
  CUDA_CHECK_LAUNCH();
}

template <class Shape>
bool launch_in_registers(const DeviceBatch& b, const NetShape& shape, int max_n, std::int64_t budget,
                         const DeviceLimits& limits) {
  if (!Shape::matches(shape) || max_n > kRegisterSamples) return false;
  launch<RegisterNetwork<Shape, kRegisterSamples>>(b, budget, limits);
  return true;
}

}  // namespace

bool has_register_kernel(const NetShape& shape, int max_n) {
  return max_n <= kRegisterSamples &&
         (FixedShape<2, 1, true>::matches(shape) || FixedShape<2, 3, true>::matches(shape));
}

void launch_flow(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits) {
  launch<FlowNetwork>(b, budget, limits);
}

void launch_per_thread(const DeviceBatch& b, const NetShape& shape, int max_n, std::int64_t budget,
                       const DeviceLimits& limits) {
  if (launch_in_registers<FixedShape<2, 1, true>>(b, shape, max_n, budget, limits)) return;
  if (launch_in_registers<FixedShape<2, 3, true>>(b, shape, max_n, budget, limits)) return;
  launch<GlobalNetwork>(b, budget, limits);
}

}  // namespace perfgen::cuda
