// Every CUDA call and launch goes through CUDA_CHECK: a failure throws with the file, line, the
// expression and CUDA's error string, so the run stops with a clear message and writes nothing.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace perfgen::cuda {

inline void check(cudaError_t status, const char* expression, const char* file, int line) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string("CUDA error at ") + file + ":" + std::to_string(line) + ": " + expression +
                             ": " + cudaGetErrorString(status));
}

}  // namespace perfgen::cuda

#define CUDA_CHECK(expression) ::perfgen::cuda::check((expression), #expression, __FILE__, __LINE__)
// After a kernel launch: the launch itself, then its execution.
#define CUDA_CHECK_LAUNCH()              \
  do {                                   \
    CUDA_CHECK(cudaGetLastError());      \
    CUDA_CHECK(cudaDeviceSynchronize()); \
  } while (0)
