// The wide regime (m up to 2048, d up to 512, n up to 512): a block of threads per network. A step
// runs in phases separated by barriers, each spread over the block (cuda/block_network.h): (1) σ and
// σ' at every (sample, neuron) pair, (2) the residual of every sample (a warp sums over the neurons),
// (3) every gradient entry, summed over the samples in order with the shared neuron_gradient_term,
// (4) the step. The loss and ‖∇ℓ‖ are block-wide sums, the same in every thread, so the block stops
// as one. θ, ∇ℓ and the activations live in the trial's global-memory slots (a wide network does
// not fit in a multiprocessor's registers or shared memory).
#include <cuda_runtime.h>

#include "block_network.h"
#include "cuda_check.h"
#include "device_batch.h"
#include "kernels.h"
#include "launch_geometry.cuh"

namespace perfgen::cuda {
namespace {

constexpr int kBlockThreads = 256;
constexpr int kWarps = kBlockThreads / 32;

__device__ double warp_sum(double v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// Σ over the block of every thread's v, in a fixed order; the same value returned to every thread.
__device__ double block_sum(double v, double* partial) {
  v = warp_sum(v);
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
  __syncthreads();
  double total = 0.0;
  for (int w = 0; w < kWarps; ++w) total += partial[w];
  __syncthreads();  // partial is free for the next sum
  return total;
}

__device__ int claim_for_block(const DeviceBatch& b, int* shared_index) {
  if (threadIdx.x == 0) *shared_index = claim_network(b);
  __syncthreads();
  const int i = *shared_index;
  __syncthreads();
  return i;
}

// Trains network i until it stops or `budget` more steps are spent; returns the steps spent.
__device__ std::int64_t train_block_network(const DeviceBatch& b, int i, std::int64_t budget, double* partial) {
  BlockNetwork net = BlockNetwork::of(b, i);
  std::int64_t iteration = b.results[i].train.iterations;
  for (std::int64_t step = 0; step < budget; ++step, ++iteration) {
    for (int q = threadIdx.x; q < net.n * net.m; q += kBlockThreads) net.activation(q);
    __syncthreads();
    for (int sample = threadIdx.x / 32; sample < net.n; sample += kWarps) {
      const double f = warp_sum(net.output_part(sample, threadIdx.x % 32, 32));
      if (threadIdx.x % 32 == 0) net.set_residual(sample, f);
    }
    __syncthreads();
    double my_sq = 0.0;
    for (int sample = threadIdx.x; sample < net.n; sample += kBlockThreads)
      my_sq += net.residual[sample] * net.residual[sample];
    const double loss = net.scale * block_sum(my_sq, partial);
    double my_grad_sq = 0.0;
    for (int p = threadIdx.x; p < net.count; p += kBlockThreads) {
      const double g = net.gradient_entry(p);
      my_grad_sq += g * g;
    }
    const double grad_norm = sqrt(block_sum(my_grad_sq, partial));  // also the barrier after phase 3
    TrainResult result;
    if (net.stops(loss, grad_norm, iteration, result)) {  // the same decision in every thread
      if (threadIdx.x == 0) record_stop(b, i, result);
      return step;
    }
    for (int p = threadIdx.x; p < net.count; p += kBlockThreads) net.descend_entry(p);
    __syncthreads();
  }
  if (threadIdx.x == 0) b.results[i].train.iterations = iteration;
  return budget;
}

__global__ void __launch_bounds__(kBlockThreads) train_per_block(DeviceBatch b, std::int64_t budget) {
  __shared__ double partial[kWarps];
  __shared__ int claimed;
  std::int64_t spent = 0;
  for (int i = claim_for_block(b, &claimed); i < b.count && spent < budget; i = claim_for_block(b, &claimed))
    spent += train_block_network(b, i, budget - spent, partial);
}

}  // namespace

void launch_per_block(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits) {
  const int blocks = resident_blocks(train_per_block, kBlockThreads, b.count, 1, limits);
  train_per_block<<<blocks, kBlockThreads>>>(b, budget);
  CUDA_CHECK_LAUNCH();
}

}  // namespace perfgen::cuda
