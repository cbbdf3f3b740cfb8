// SIMD packs of doubles for the CPU backend: lane j of every pack belongs to network j.
// The width follows the build's instruction set (AVX-512: 8, AVX2: 4, SSE2: 2, else 1); tanh comes
// from glibc's vector math library (libmvec, ≤ ~1.2 ulp), or the C library's scalar tanh at width 1.
#pragma once

#include <cmath>

#if defined(__x86_64__) && defined(__GLIBC__) && (defined(__AVX512F__) || defined(__AVX2__) || defined(__SSE2__))
#include <immintrin.h>
#define PERFGEN_LIBMVEC 1
#endif

namespace perfgen::simd {

#if defined(PERFGEN_LIBMVEC) && defined(__AVX512F__)
inline constexpr int kLanes = 8;
inline constexpr const char* kInstructionSet = "AVX-512";
#elif defined(PERFGEN_LIBMVEC) && defined(__AVX2__)
inline constexpr int kLanes = 4;
inline constexpr const char* kInstructionSet = "AVX2";
#elif defined(PERFGEN_LIBMVEC)
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

// a·b + c as GCC rounds that expression in scalar code (it contracts by default): one fused
// operation where the target has FMA instructions, else a product and a sum. A lane summing a·b then
// gets the bits of the scalar loop that sums the same terms in the same order.
inline Pack multiply_add(Pack a, Pack b, Pack c) {
#if defined(__FMA__) && defined(PERFGEN_LIBMVEC) && defined(__AVX512F__)
  return Pack((Vector)_mm512_fmadd_pd((__m512d)a.v, (__m512d)b.v, (__m512d)c.v));
#elif defined(__FMA__) && defined(PERFGEN_LIBMVEC) && defined(__AVX2__)
  return Pack((Vector)_mm256_fmadd_pd((__m256d)a.v, (__m256d)b.v, (__m256d)c.v));
#elif defined(__FMA__) && defined(PERFGEN_LIBMVEC)
  return Pack((Vector)_mm_fmadd_pd((__m128d)a.v, (__m128d)b.v, (__m128d)c.v));
#elif defined(__FMA__)
  return Pack(Vector{std::fma(a.v[0], b.v[0], c.v[0])});
#else
  return Pack(a.v * b.v + c.v);
#endif
}

// Whether any lane holds a < b, or a > c, or a NaN: the vector form of "some network may stop".
inline bool any_lane_outside(Pack a, Pack b, Pack c) {
  const auto mask = (a.v < b.v) | (a.v > c.v) | (a.v != a.v);
  long any = 0;
  for (int lane = 0; lane < kLanes; ++lane) any |= mask[lane];
  return any != 0;
}

// tanh through libmvec's expm1, about twice as fast as libmvec's own tanh: with e = expm1(−2|x|),
// tanh|x| = −e/(2 + e), accurate near 0 where small-initialization runs live. Measured against
// long-double tanhl: ≤ 3.5 ulp (libmvec tanh: ≤ 1.2 ulp; tests/cpu/test_cpu_lanes.cpp checks the bound).
#if defined(PERFGEN_LIBMVEC) && defined(__AVX512F__)
extern "C" __m512d _ZGVeN8v_expm1(__m512d);
inline Vector vector_expm1(Vector x) { return (Vector)_ZGVeN8v_expm1((__m512d)x); }
#elif defined(PERFGEN_LIBMVEC) && defined(__AVX2__)
extern "C" __m256d _ZGVdN4v_expm1(__m256d);
inline Vector vector_expm1(Vector x) { return (Vector)_ZGVdN4v_expm1((__m256d)x); }
#elif defined(PERFGEN_LIBMVEC)
extern "C" __m128d _ZGVbN2v_expm1(__m128d);
inline Vector vector_expm1(Vector x) { return (Vector)_ZGVbN2v_expm1((__m128d)x); }
#else
inline Vector vector_expm1(Vector x) { return Vector{::expm1(x[0])}; }
#endif

typedef long long Bits __attribute__((vector_size(sizeof(Vector))));
inline Bits sign_bits(Vector x) { return (Bits)x & (Bits{} + (long long)0x8000000000000000ULL); }

// |x| in every lane: the sign bit cleared, as std::fabs does.
inline Pack abs(Pack x) { return Pack((Vector)((Bits)x.v ^ sign_bits(x.v))); }

inline Pack tanh(Pack x) {
  const Bits sign = sign_bits(x.v);
  const Vector e = vector_expm1(-2.0 * (Vector)((Bits)x.v ^ sign));
  return Pack((Vector)((Bits)(-e / (2.0 + e)) | sign));
}

}  // namespace perfgen::simd
