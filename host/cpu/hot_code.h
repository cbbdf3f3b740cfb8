// Portable builds (PERFGEN_NATIVE=OFF) compile for baseline x86-64, whose missing FMA instruction makes
// every `fused` a call to the C library's fma: CPU kernels about 20 times slower. There, the functions
// marked PERFGEN_CPU_HOT are compiled twice, for baseline x86-64 and for x86-64-v3 (AVX2, FMA, BMI1/2
// and the rest of that level), and the loader picks the copy this CPU can run (GCC's target_clones, an
// IFUNC); `flatten` inlines the shared math into each copy. Both copies compute the same bits: a fused
// multiply-add rounds once whether it is an instruction or fma(), and the build contracts nothing else
// (-ffp-contract=off, which the copies keep). A build whose flags already give FMA (native, or
// -march=x86-64-v3/v4) makes no copies.
#pragma once

#if defined(PERFGEN_CPU_CLONES) && !defined(__FMA__)
#define PERFGEN_CPU_HOT_IN_TWO_COPIES 1
#define PERFGEN_CPU_HOT __attribute__((target_clones("default", "arch=x86-64-v3"), flatten))
#else
#define PERFGEN_CPU_HOT
#endif

namespace perfgen {

// Which copy of the hot code runs, for the device description: "" in a build without copies, else
// ", x86-64-v3 code" or ", baseline code".
inline const char* hot_code_description() {
#if defined(PERFGEN_CPU_HOT_IN_TWO_COPIES)
  return __builtin_cpu_supports("x86-64-v3") ? ", x86-64-v3 code" : ", baseline code";
#else
  return "";
#endif
}

}  // namespace perfgen
