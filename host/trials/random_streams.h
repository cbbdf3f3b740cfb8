// Seeded random streams: the numbers cuRAND's Philox4_32_10 host generator gives for a key, computed
// here with Random123's Philox (the same algorithm) so that any draw of any stream costs O(1): no
// generator set-up, no cache. Each (purpose, seed) has its own Philox key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace perfgen {

enum class StreamPurpose : std::uint64_t { data = 0, init = 1, test = 2 };

// The Philox key of a stream: splitmix64(3·seed + purpose), distinct for every pair with seed ≥ 0.
std::uint64_t philox_key(StreamPurpose purpose, std::int64_t seed);

// Draw i of a stream is draw i of `curandGenerateNormalDouble` / `curandGenerateUniformDouble` on a
// host generator (CURAND_RNG_PSEUDO_PHILOX4_32_10, default ordering, offset 0) seeded with the key:
// bitwise, as tests/trials/test_random_streams.cpp checks against cuRAND itself and recorded values.
class RandomStream {
 public:
  explicit RandomStream(std::uint64_t key) : key_(key) {}
  RandomStream(StreamPurpose purpose, std::int64_t seed) : key_(philox_key(purpose, seed)) {}

  // Draws first .. first + count − 1 into out.
  void normal(std::size_t first, std::size_t count, double* out) const;   // N(0, 1)
  void uniform(std::size_t first, std::size_t count, double* out) const;  // U(0, 1]

 private:
  std::uint64_t key_;
};

// The first `count` draws of the stream; a prefix of any longer request.
std::vector<double> normal_draws(StreamPurpose purpose, std::int64_t seed, std::size_t count);
std::vector<double> uniform_draws(StreamPurpose purpose, std::int64_t seed, std::size_t count);

}  // namespace perfgen
