// Marks functions that both backends compile: plain inline C++ for the CPU, host+device under nvcc.
#pragma once

#if defined(__CUDACC__)
#define PERFGEN_HD __host__ __device__ inline
#else
#define PERFGEN_HD inline
#endif
