// Portable builds (PERFGEN_NATIVE=OFF) compile for baseline x86-64, whose missing FMA instruction makes
// every `fused` a call to the C library's fma: CPU kernels about 20 times slower. There, the functions
// marked PERFGEN_CPU_HOT are compiled twice, for baseline x86-64 and for x86-64-v3 (AVX2 + FMA), and
// the loader picks the copy this CPU runs (GCC's target_clones); `flatten` inlines the shared math into
// each copy. A fused multiply-add rounds once either way, so both copies compute the same bits. Native
// builds compile everything for their own machine and make no copies.
#pragma once

#if defined(PERFGEN_CPU_CLONES)
#define PERFGEN_CPU_HOT __attribute__((target_clones("default", "arch=x86-64-v3"), flatten))
#else
#define PERFGEN_CPU_HOT
#endif

namespace perfgen {

// Which copy of the hot code runs, for the device description: "" in a native build, else
// ", x86-64-v3 code" or ", baseline code".
inline const char* hot_code_description() {
#if defined(PERFGEN_CPU_CLONES)
  return __builtin_cpu_supports("x86-64-v3") ? ", x86-64-v3 code" : ", baseline code";
#else
  return "";
#endif
}

}  // namespace perfgen
