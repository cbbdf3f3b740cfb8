// cuRAND's Philox4_32_10 host generator, draw by draw. What it does, read off its output (the test
// checks 524 294 draws per key against cuRAND itself): it runs as 65 536 emulated threads, thread t
// on Philox subsequence t (counter words 2-3), and in round r each thread turns the two Philox blocks
// at counters 2r and 2r+1 into four doubles; the output is those quads, thread after thread, round
// after round. A block (x0, x1, y0, y1) gives two doubles by cuRAND's formulas (curand_uniform.h,
// curand_normal.h, host branch): u = (x0 ^ x1 << 21)·2^-53 + 2^-54, and Box-Muller with sin(π v),
// cos(π v). This file is built with -ffp-contract=off: cuRAND's formulas are not fused there, so a
// fused multiply-add here would change the last bit.
#include "random_streams.h"

#include <Random123/philox.h>

#include <cmath>

#include "splitmix64.h"

namespace perfgen {
namespace {

constexpr std::uint64_t kThreads = 65536;
constexpr double k2Pow53Inv = 1.1102230246251565e-16;  // CURAND_2POW53_INV_DOUBLE
constexpr double kPi = 3.1415926535897932;             // CURAND_PI_DOUBLE

using Philox = r123::Philox4x32_R<10>;

// The Philox block that holds draw `index` (two draws per block).
Philox::ctr_type block_of(std::uint64_t key, std::size_t index) {
  const std::uint64_t quad = index / 4, thread = quad % kThreads, round = quad / kThreads;
  const std::uint64_t counter = 2 * round + (index / 2) % 2;
  const Philox::ctr_type ctr = {{static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32),
                                 static_cast<std::uint32_t>(thread), static_cast<std::uint32_t>(thread >> 32)}};
  const Philox::key_type k = {{static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)}};
  return Philox()(ctr, k);
}

std::uint64_t bits53(std::uint32_t low, std::uint32_t high) {
  return static_cast<std::uint64_t>(low) ^ (static_cast<std::uint64_t>(high) << (53 - 32));
}

// Draws first .. first + count − 1, computed a block (two draws) at a time by pair_of(block, out2).
template <class PairOf>
void fill(std::uint64_t key, std::size_t first, std::size_t count, double* out, PairOf pair_of) {
  double pair[2];
  for (std::size_t i = first; i < first + count;) {
    pair_of(block_of(key, i), pair);
    for (std::size_t k = i % 2; k < 2 && i < first + count; ++k, ++i) *out++ = pair[k];
  }
}

}  // namespace

std::uint64_t philox_key(StreamPurpose purpose, std::int64_t seed) {
  const std::uint64_t z = static_cast<std::uint64_t>(seed) * 3 + static_cast<std::uint64_t>(purpose);
  return splitmix64_mix(z + kSplitMix64Increment);
}

void RandomStream::normal(std::size_t first, std::size_t count, double* out) const {
  fill(key_, first, count, out, [](const Philox::ctr_type& b, double* pair) {
    const double u = bits53(b[0], b[1]) * k2Pow53Inv + k2Pow53Inv / 2.0;
    const double v = bits53(b[2], b[3]) * (k2Pow53Inv * 2.0) + k2Pow53Inv;
    const double s = std::sqrt(-2.0 * std::log(u));
    pair[0] = std::sin(v * kPi) * s;
    pair[1] = std::cos(v * kPi) * s;
  });
}

void RandomStream::uniform(std::size_t first, std::size_t count, double* out) const {
  fill(key_, first, count, out, [](const Philox::ctr_type& b, double* pair) {
    pair[0] = bits53(b[0], b[1]) * k2Pow53Inv + k2Pow53Inv / 2.0;
    pair[1] = bits53(b[2], b[3]) * k2Pow53Inv + k2Pow53Inv / 2.0;
  });
}

std::vector<double> normal_draws(StreamPurpose purpose, std::int64_t seed, std::size_t count) {
  std::vector<double> draws(count);
  RandomStream(purpose, seed).normal(0, count, draws.data());
  return draws;
}

std::vector<double> uniform_draws(StreamPurpose purpose, std::int64_t seed, std::size_t count) {
  std::vector<double> draws(count);
  RandomStream(purpose, seed).uniform(0, count, draws.data());
  return draws;
}

}  // namespace perfgen
