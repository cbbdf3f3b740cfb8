// SplitMix64 (Steele, Lea and Flood 2014): one 64-bit state advanced by a constant and scrambled. The
// trials' Philox keys (host/trials/random_streams.cpp) and the rank analysis's sample points
// (host/theory/tangent_space.cpp) are derived with it; changing it changes their values.
#pragma once

#include <cstdint>

namespace perfgen {

constexpr std::uint64_t kSplitMix64Increment = 0x9e3779b97f4a7c15ULL;

// The output of a state that has just been advanced by kSplitMix64Increment.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace perfgen
