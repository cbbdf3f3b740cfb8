#include <cuda_runtime.h>

#include "cuda_check.h"
#include "fp64_peak.h"

namespace perfgen::cuda {
namespace {

constexpr int kChains = 8;
constexpr int kRounds = 1 << 14;

__global__ void fma_chains(double* sink, double m, double a) {
  double x[kChains];
  for (int c = 0; c < kChains; ++c) x[c] = 1.0 + 1e-3 * (threadIdx.x + c);
  for (int r = 0; r < kRounds; ++r)
    for (int c = 0; c < kChains; ++c) x[c] = fma(x[c], m, a);
  double sum = 0.0;
  for (int c = 0; c < kChains; ++c) sum += x[c];
  if (sum == 42.0) *sink = sum;  // keeps the chains alive; never true in practice
}

}  // namespace

double measured_fp64_peak(int device) {
  CUDA_CHECK(cudaSetDevice(device));
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  const int threads = 256, blocks = prop.multiProcessorCount * 8;
  double* sink = nullptr;
  CUDA_CHECK(cudaMalloc(&sink, sizeof(double)));
  PERFGEN_LAUNCH(blocks, threads, fma_chains)(sink, 0.999999, 1e-9);  // warm-up
  CUDA_CHECK_LAUNCH();
  cudaEvent_t start, stop;
  CUDA_CHECK(cudaEventCreate(&start));
  CUDA_CHECK(cudaEventCreate(&stop));
  CUDA_CHECK(cudaEventRecord(start));
  PERFGEN_LAUNCH(blocks, threads, fma_chains)(sink, 0.999999, 1e-9);
  CUDA_CHECK(cudaEventRecord(stop));
  CUDA_CHECK_LAUNCH();
  float ms = 0.0f;
  CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaFree(sink);
  return 2.0 * kChains * kRounds * static_cast<double>(threads) * blocks / (ms * 1e-3);
}

}  // namespace perfgen::cuda
