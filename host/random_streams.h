// Seeded random streams drawn with cuRAND's Philox4_32_10 host generator, so that a CUDA
// backend or any cuRAND user reproduces them. Each (purpose, seed) has its own Philox key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace perfgen {

enum class StreamPurpose : std::uint64_t { data = 0, init = 1, test = 2 };

// The Philox key of a stream: splitmix64(3·seed + purpose), distinct for every pair with seed ≥ 0.
std::uint64_t philox_key(StreamPurpose purpose, std::int64_t seed);

// The first `count` N(0, 1) draws of the stream; a prefix of any longer request.
std::vector<double> normal_draws(StreamPurpose purpose, std::int64_t seed, std::size_t count);

// The first `count` U(0, 1] draws of the stream; a prefix of any longer request.
std::vector<double> uniform_draws(StreamPurpose purpose, std::int64_t seed, std::size_t count);

}  // namespace perfgen
