// Marks functions that both backends compile: plain inline C++ for the CPU, host+device under nvcc.
#pragma once

#if defined(__CUDACC__)
#define PERFGEN_HD __host__ __device__ inline
// Unrolls a loop whose bound is a compile-time constant (GPU registers instead of local memory).
#define PERFGEN_UNROLL _Pragma("unroll")
#else
#define PERFGEN_HD inline
#define PERFGEN_UNROLL
#endif
