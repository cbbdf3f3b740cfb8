// The wide regime (chosen when P · n ≥ 2048, cuda/kernel_choice.cpp; no upper bound on m, d or n): a
// block of threads per network. The loops
// are cuda/block_loop.h's and cuda/block_evaluation.h's, shared with the host test; here are their
// team (the block: shuffles, shared memory and __syncthreads) and the launches. θ, ∇ℓ and the
// activations live in the trial's global-memory slots (a wide network does not fit in a
// multiprocessor's registers or shared memory).
#include <cuda_runtime.h>

#include "block_evaluation.h"
#include "block_loop.h"
#include "cuda_check.h"
#include "device_batch.h"
#include "kernels.h"
#include "launch_geometry.cuh"

namespace perfgen::cuda {
namespace {

constexpr int kBlockThreads = 256;
constexpr int kWarps = kBlockThreads / 32;

// The team of cuda/team.h: the block's threads, with shared memory for the warps' partial sums and
// for the claimed index.
struct BlockThreads {
  static constexpr int kSize = kBlockThreads;
  double* partial;
  int* claimed;

  __device__ unsigned rank() const { return threadIdx.x; }
  __device__ void sync() const { __syncthreads(); }
  __device__ double warp_sum(double v) const {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
  }
  // Σ over the block of every thread's v, in a fixed order; the same value returned to every thread.
  __device__ double sum(double v) const {
    v = warp_sum(v);
    if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
    __syncthreads();
    double total = 0.0;
    for (int w = 0; w < kWarps; ++w) total += partial[w];
    __syncthreads();  // partial is free for the next sum
    return total;
  }
  __device__ double max(double v) const {
    for (int offset = 16; offset > 0; offset /= 2) v = fmax(v, __shfl_xor_sync(0xffffffffu, v, offset));
    if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
    __syncthreads();
    double largest = partial[0];
    for (int w = 1; w < kWarps; ++w) largest = fmax(largest, partial[w]);
    __syncthreads();
    return largest;
  }
  __device__ int broadcast(int v) const {
    if (threadIdx.x == 0) *claimed = v;
    __syncthreads();
    const int i = *claimed;
    __syncthreads();
    return i;
  }
};

__global__ void __launch_bounds__(kBlockThreads) train_per_block(DeviceBatch b, std::int64_t budget) {
  __shared__ double partial[kWarps];
  __shared__ int claimed;
  drain_block_queue(b, budget, BlockThreads{partial, &claimed});
}

// One block per stopped network, the blocks taking networks blockIdx.x, + gridDim.x, …
__global__ void __launch_bounds__(kBlockThreads) evaluate_per_block(DeviceBatch b, DeviceEvaluation e) {
  __shared__ double partial[kWarps];
  __shared__ int claimed;
  evaluate_block_networks(b, e, blockIdx.x, gridDim.x, BlockThreads{partial, &claimed});
}

}  // namespace

void launch_block_evaluation(const DeviceBatch& b, const DeviceEvaluation& e, const DeviceLimits& limits) {
  const int blocks = resident_blocks(evaluate_per_block, kBlockThreads, b.count, 1, limits);
  PERFGEN_LAUNCH(blocks, kBlockThreads, evaluate_per_block)(b, e);
  CUDA_CHECK_LAUNCH();
}

void launch_per_block(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits) {
  const int blocks = resident_blocks(train_per_block, kBlockThreads, b.count, 1, limits);
  PERFGEN_LAUNCH(blocks, kBlockThreads, train_per_block)(b, budget);
  CUDA_CHECK_LAUNCH();
}

}  // namespace perfgen::cuda
