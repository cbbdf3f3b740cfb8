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
// kernel<<<blocks, threads>>>, written as PERFGEN_LAUNCH(blocks, threads, kernel)(arguments...): the
// kernel last, since a template's commas would split a macro argument. The test that runs this code on
// the host (tests/support/cuda_on_host) defines it as a call, which a C++ compiler can read.
#ifndef PERFGEN_LAUNCH
#define PERFGEN_LAUNCH(blocks, threads, ...) __VA_ARGS__<<<blocks, threads>>>
#endif
// After a kernel launch: the launch itself, then its execution.
#define CUDA_CHECK_LAUNCH()              \
  do {                                   \
    CUDA_CHECK(cudaGetLastError());      \
    CUDA_CHECK(cudaDeviceSynchronize()); \
  } while (0)
