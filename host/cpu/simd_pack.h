// SIMD packs of doubles for the CPU backend: lane j of every pack belongs to network j.
// The width follows the build's instruction set (AVX-512: 8, AVX2: 4, SSE2: 2, else 1). tanh is the
// shared one (perfgen/shared_tanh.h) over the primitives at the end of this file, so a lane computes
// the bits of the scalar code.
#pragma once

#include <cmath>

#if defined(__x86_64__) && (defined(__AVX512F__) || defined(__AVX2__) || defined(__SSE2__))
#include <immintrin.h>
#define PERFGEN_X86_SIMD 1
#endif

namespace perfgen::simd {

#if defined(PERFGEN_X86_SIMD) && defined(__AVX512F__)
inline constexpr int kLanes = 8;
inline constexpr const char* kInstructionSet = "AVX-512";
#elif defined(PERFGEN_X86_SIMD) && defined(__AVX2__)
inline constexpr int kLanes = 4;
inline constexpr const char* kInstructionSet = "AVX2";
#elif defined(PERFGEN_X86_SIMD)
inline constexpr int kLanes = 2;
inline constexpr const char* kInstructionSet = "SSE2";
#else
inline constexpr int kLanes = 1;
inline constexpr const char* kInstructionSet = "scalar";
#endif

typedef double Vector __attribute__((vector_size(kLanes * sizeof(double))));

// A value type with the arithmetic the shared math uses; mixed double/pack operations broadcast.
struct Pack {
  Vector v;
  Pack() = default;
  Pack(double x) : v(x - Vector{}) {}  // NOLINT(google-explicit-constructor): broadcast; x − 0 keeps −0
  explicit Pack(Vector x) : v(x) {}
  double operator[](int lane) const { return v[lane]; }
  Pack& operator+=(Pack o) {
    v += o.v;
    return *this;
  }
  Pack& operator-=(Pack o) {
    v -= o.v;
    return *this;
  }
};

inline Pack operator+(Pack a, Pack b) { return Pack(a.v + b.v); }
inline Pack operator-(Pack a, Pack b) { return Pack(a.v - b.v); }
inline Pack operator*(Pack a, Pack b) { return Pack(a.v * b.v); }
inline Pack operator/(Pack a, Pack b) { return Pack(a.v / b.v); }
inline Pack operator+(double a, Pack b) { return Pack(a + b.v); }
inline Pack operator-(double a, Pack b) { return Pack(a - b.v); }
inline Pack operator*(double a, Pack b) { return Pack(a * b.v); }
inline Pack operator/(double a, Pack b) { return Pack(a / b.v); }
inline Pack operator-(Pack a) { return Pack(-a.v); }

// a·b + c rounded once in every lane, as perfgen::fused(double) rounds it: the FMA instruction where
// the build has one, else the C library's fma per lane (exact, slower).
inline Pack fused(Pack a, Pack b, Pack c) {
#if defined(__FMA__) && defined(PERFGEN_X86_SIMD) && defined(__AVX512F__)
  return Pack((Vector)_mm512_fmadd_pd((__m512d)a.v, (__m512d)b.v, (__m512d)c.v));
#elif defined(__FMA__) && defined(PERFGEN_X86_SIMD) && defined(__AVX2__)
  return Pack((Vector)_mm256_fmadd_pd((__m256d)a.v, (__m256d)b.v, (__m256d)c.v));
#elif defined(__FMA__) && defined(PERFGEN_X86_SIMD)
  return Pack((Vector)_mm_fmadd_pd((__m128d)a.v, (__m128d)b.v, (__m128d)c.v));
#else
  Pack result;
  for (int lane = 0; lane < kLanes; ++lane) result.v[lane] = std::fma(a.v[lane], b.v[lane], c.v[lane]);
  return result;
#endif
}

// Whether any lane holds a < b, or a > c, or a NaN: the vector form of "some network may stop".
inline bool any_lane_outside(Pack a, Pack b, Pack c) {
  const auto mask = (a.v < b.v) | (a.v > c.v) | (a.v != a.v);
  long any = 0;
  for (int lane = 0; lane < kLanes; ++lane) any |= mask[lane];
  return any != 0;
}

typedef long long Bits __attribute__((vector_size(sizeof(Vector))));
inline Bits sign_bits(Vector x) { return (Bits)x & (Bits{} + (long long)0x8000000000000000ULL); }
inline Vector broadcast(double x) { return x - Vector{}; }

// The primitives of perfgen::shared_tanh, lane by lane, with the bits of their double versions.
inline Pack magnitude(Pack x) { return Pack((Vector)((Bits)x.v ^ sign_bits(x.v))); }
inline Pack with_sign_of(Pack m, Pack x) { return Pack((Vector)(((Bits)magnitude(m).v) | sign_bits(x.v))); }
inline Pack at_least(Pack x, double floor) { return Pack(x.v < broadcast(floor) ? broadcast(floor) : x.v); }
typedef unsigned long long UnsignedBits __attribute__((vector_size(sizeof(Vector))));
inline Pack power_of_two(Pack t, double shift) {
  const UnsignedBits k = (UnsignedBits)t.v - (UnsignedBits)broadcast(shift);
  return Pack((Vector)((k + 1023) << 52));
}

}  // namespace perfgen::simd
