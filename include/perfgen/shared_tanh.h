// One tanh for every backend and kernel. The CPU's scalar and vector kernels and the CUDA kernels
// compute the same bits with it, because it is made only of operations that IEEE 754 rounds the same
// way on every target (+, −, ×, ÷, fused multiply-add) and of exact bit manipulation; the C library's,
// libmvec's and CUDA's tanh each differ from the others by about an ulp, and a long run amplifies that.
//
// tanh|x| = −e / (2 + e) with e = expm1(−2|x|), which keeps the relative accuracy near 0 where the
// small-initialization runs live. expm1(y) for y ≤ 0: y = k·ln2 + r with |r| ≤ ln2/2 (Cody-Waite,
// ln2 in two parts), expm1(r) = r + r²·q(r) with q the Taylor series of (eʳ − 1 − r)/r² to r¹¹ (its
// remainder is below 10⁻¹⁶·|r|·r², under a tenth of an ulp), then expm1(y) = 2ᵏ·expm1(r) + (2ᵏ − 1). Below y = −40 (|x|
// > 20) tanh rounds to ±1, so y is clamped there and k stays small. Measured against long-double tanhl: within 2.6 ulp
// (tests/math/test_shared_tanh.cpp); CUDA's tanh is within 2, glibc's within 2.
//
// Real is double (host and device) or a SIMD pack (host/cpu/simd_pack.h) that supplies the same five
// primitives below for its lanes, found by argument-dependent lookup.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "perfgen/hostdevice.h"

namespace perfgen {

// a·b + c rounded once, on every target (a hardware instruction where there is one).
PERFGEN_HD double fused(double a, double b, double c) { return fma(a, b, c); }

PERFGEN_HD double magnitude(double x) { return fabs(x); }

// |m| with the sign of x.
PERFGEN_HD double with_sign_of(double m, double x) { return copysign(m, x); }

// max(x, floor) that keeps a NaN (fmax would drop it).
PERFGEN_HD double at_least(double x, double floor) { return x < floor ? floor : x; }

// 2ᵏ for t = shift + k (|k| < 1022), read from t's low bits; unsigned arithmetic, so that a NaN t (whose
// result the caller discards) wraps instead of overflowing.
PERFGEN_HD double power_of_two(double t, double shift) {
#if defined(__CUDA_ARCH__)
  const unsigned long long k = static_cast<unsigned long long>(__double_as_longlong(t)) -
                               static_cast<unsigned long long>(__double_as_longlong(shift));
  return __longlong_as_double(static_cast<long long>((k + 1023) << 52));
#else
  std::uint64_t t_bits, shift_bits;
  std::memcpy(&t_bits, &t, sizeof t);
  std::memcpy(&shift_bits, &shift, sizeof shift);
  const std::uint64_t bits = (t_bits - shift_bits + 1023) << 52;
  double result;
  std::memcpy(&result, &bits, sizeof result);
  return result;
#endif
}

// Adding 1.5·2⁵² to a double of magnitude < 2⁵¹ rounds it to an integer k kept in the low bits.
inline constexpr double kTanhRoundingShift = 0x1.8p52;

template <class Real>
PERFGEN_HD Real shared_tanh(Real x) {
  constexpr double kInverseLn2 = 0x1.71547652b82fep0;
  constexpr double kLn2High = 0x1.62e42fee00000p-1;  // 32 significant bits: k·kLn2High is exact
  constexpr double kLn2Low = 0x1.a39ef35793c76p-33;
  // 1/j!, j = 2..13: the coefficients of q(r) = Σ r^(j−2)/j!
  constexpr double c0 = 1.0 / 2, c1 = 1.0 / 6, c2 = 1.0 / 24, c3 = 1.0 / 120, c4 = 1.0 / 720, c5 = 1.0 / 5040,
                   c6 = 1.0 / 40320, c7 = 1.0 / 362880, c8 = 1.0 / 3628800, c9 = 1.0 / 39916800, c10 = 1.0 / 479001600,
                   c11 = 1.0 / 6227020800.0;
  const Real y = at_least(-2.0 * magnitude(x), -40.0);
  const Real t = fused(y, Real(kInverseLn2), Real(kTanhRoundingShift));
  const Real k = t - kTanhRoundingShift;
  const Real r = fused(-k, Real(kLn2Low), fused(-k, Real(kLn2High), y));
  // q(r) by Estrin's scheme: four dependent steps instead of Horner's eleven (a lone network, on a GPU
  // thread or a CPU core, waits on this chain; measured twice as fast as glibc's tanh on one core).
  const Real r2 = r * r, r4 = r2 * r2;
  const Real q01 = fused(Real(c1), r, Real(c0)), q23 = fused(Real(c3), r, Real(c2));
  const Real q45 = fused(Real(c5), r, Real(c4)), q67 = fused(Real(c7), r, Real(c6));
  const Real q89 = fused(Real(c9), r, Real(c8)), q1011 = fused(Real(c11), r, Real(c10));
  const Real q03 = fused(q23, r2, q01), q47 = fused(q67, r2, q45), q811 = fused(q1011, r2, q89);
  const Real q = fused(fused(q811, r4, q47), r4, q03);
  const Real expm1_r = fused(r2, q, r);
  const Real scale = power_of_two(t, kTanhRoundingShift);
  const Real e = fused(scale, expm1_r, scale - 1.0);
  return with_sign_of(-e / (2.0 + e), x);
}

}  // namespace perfgen
