// cuRAND host-generator streams. Setting up a host generator costs milliseconds, so callers draw
// each stream once and cache it (host/materialize.cpp).
#include "random_streams.h"

#include <curand.h>

#include <stdexcept>
#include <string>

namespace perfgen {
namespace {

void check(curandStatus_t status, const char* what) {
  if (status != CURAND_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cuRAND host generator: ") + what + " failed (status " +
                             std::to_string(static_cast<int>(status)) + ")");
}

class PhiloxGenerator {
 public:
  PhiloxGenerator(StreamPurpose purpose, std::int64_t seed) {
    check(curandCreateGeneratorHost(&generator_, CURAND_RNG_PSEUDO_PHILOX4_32_10), "create");
    check(curandSetPseudoRandomGeneratorSeed(generator_, philox_key(purpose, seed)), "set seed");
  }
  ~PhiloxGenerator() { curandDestroyGenerator(generator_); }
  PhiloxGenerator(const PhiloxGenerator&) = delete;
  PhiloxGenerator& operator=(const PhiloxGenerator&) = delete;
  curandGenerator_t get() const { return generator_; }

 private:
  curandGenerator_t generator_ = nullptr;
};

// Normal draws come in Box-Muller pairs: cuRAND wants an even count.
std::size_t even(std::size_t count) { return count + (count % 2); }

}  // namespace

std::uint64_t philox_key(StreamPurpose purpose, std::int64_t seed) {
  std::uint64_t z = static_cast<std::uint64_t>(seed) * 3 + static_cast<std::uint64_t>(purpose);
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<double> normal_draws(StreamPurpose purpose, std::int64_t seed, std::size_t count) {
  std::vector<double> draws(even(count));
  if (!draws.empty()) {
    PhiloxGenerator generator(purpose, seed);
    check(curandGenerateNormalDouble(generator.get(), draws.data(), draws.size(), 0.0, 1.0), "normal draws");
  }
  draws.resize(count);
  return draws;
}

std::vector<double> uniform_draws(StreamPurpose purpose, std::int64_t seed, std::size_t count) {
  std::vector<double> draws(count);
  if (!draws.empty()) {
    PhiloxGenerator generator(purpose, seed);
    check(curandGenerateUniformDouble(generator.get(), draws.data(), draws.size()), "uniform draws");
  }
  return draws;
}

}  // namespace perfgen
