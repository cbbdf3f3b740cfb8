// The host streams are cuRAND's Philox4_32_10 host generator, draw for draw: checked against values
// recorded from cuRAND 13 (index 262 144 is the second round of its 65 536 emulated threads) and,
// where the cuRAND host library is linked, against the library itself.
#ifdef PERFGEN_HAVE_CURAND
#include <curand.h>
#endif
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "random_streams.h"

namespace perfgen {
namespace {

std::uint64_t bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

struct KnownAnswer {
  bool normal;
  std::uint64_t key;
  std::size_t index;
  std::uint64_t value_bits;
};

// Recorded with curandGenerateNormalDouble / curandGenerateUniformDouble (cuRAND 13.0, host generator).
constexpr KnownAnswer kRecorded[] = {
    {true, 0x0000000000000000ull, 0, 0xbfd3dd8613bc2037ull},        // -0.31039573600037634
    {true, 0x0000000000000000ull, 1, 0xbfd97360dc4ab0f7ull},        // -0.39766713631503542
    {true, 0x0000000000000000ull, 2, 0x3fd511c9c2dc0cf4ull},        // 0.3292107012677683
    {true, 0x0000000000000000ull, 5, 0xbfd6791b33ffb717ull},        // -0.35114173963562351
    {true, 0x0000000000000000ull, 262143, 0x3fc9e6c9f300c17bull},   // 0.20235561719301728
    {true, 0x0000000000000000ull, 262144, 0x3ff7f25097b96df4ull},   // 1.496658890412502
    {true, 0x0000000000000000ull, 262147, 0xbff302c446b990a9ull},   // -1.1881754648866638
    {false, 0x0000000000000000ull, 0, 0x3fec2d38d787e8d6ull},       // 0.88052026840093833
    {false, 0x0000000000000000ull, 3, 0x3fa2fdf5d4574eb8ull},       // 0.037093813105142315
    {false, 0x0000000000000000ull, 262144, 0x3fd471cca0754653ull},  // 0.31944575948464154
    {true, 0x9e3779b97f4a7c15ull, 0, 0x3ff690ecb2c08aacull},        // 1.4103819830421953
    {true, 0x9e3779b97f4a7c15ull, 3, 0xbfe16fd664140e4eull},        // -0.54490203424979611
    {true, 0x9e3779b97f4a7c15ull, 262147, 0xbfc315c3aafebff5ull},   // -0.14910169457789349
    {false, 0x9e3779b97f4a7c15ull, 1, 0x3fc7cf1739cdd386ull},       // 0.18600740740262384
    {false, 0x9e3779b97f4a7c15ull, 262143, 0x3fed5841f86a7eb0ull},  // 0.91702364462613239
};

double draw(const KnownAnswer& k) {
  double value = 0.0;
  if (k.normal)
    RandomStream(k.key).normal(k.index, 1, &value);
  else
    RandomStream(k.key).uniform(k.index, 1, &value);
  return value;
}

TEST(RandomStreams, MatchValuesRecordedFromCurand) {
  for (const KnownAnswer& k : kRecorded)
    EXPECT_EQ(bits(draw(k)), k.value_bits)
        << (k.normal ? "normal" : "uniform") << " key " << k.key << " draw " << k.index;
}

#ifdef PERFGEN_HAVE_CURAND
// cuRAND's host generator runs without a GPU; its whole output over two rounds of its threads.
std::vector<double> curand_draws(std::uint64_t key, bool normal, std::size_t count) {
  curandGenerator_t generator = nullptr;
  EXPECT_EQ(curandCreateGeneratorHost(&generator, CURAND_RNG_PSEUDO_PHILOX4_32_10), CURAND_STATUS_SUCCESS);
  EXPECT_EQ(curandSetPseudoRandomGeneratorSeed(generator, key), CURAND_STATUS_SUCCESS);
  std::vector<double> draws(count);
  EXPECT_EQ(normal ? curandGenerateNormalDouble(generator, draws.data(), count, 0.0, 1.0)
                   : curandGenerateUniformDouble(generator, draws.data(), count),
            CURAND_STATUS_SUCCESS);
  curandDestroyGenerator(generator);
  return draws;
}

TEST(RandomStreams, EqualCurandsHostGeneratorBitwise) {
  constexpr std::size_t kCount = 2 * 4 * 65536 + 6;  // two rounds of every emulated thread, and a third begun
  for (const std::uint64_t key : {philox_key(StreamPurpose::data, 0), philox_key(StreamPurpose::init, 12345),
                                  philox_key(StreamPurpose::test, 7)}) {
    for (const bool normal : {true, false}) {
      const std::vector<double> expected = curand_draws(key, normal, kCount);
      std::vector<double> ours(kCount);
      if (normal)
        RandomStream(key).normal(0, kCount, ours.data());
      else
        RandomStream(key).uniform(0, kCount, ours.data());
      std::size_t differing = 0;
      for (std::size_t i = 0; i < kCount; ++i) differing += bits(ours[i]) != bits(expected[i]);
      EXPECT_EQ(differing, 0u) << (normal ? "normal" : "uniform") << " draws of key " << key;
    }
  }
}
#else
TEST(RandomStreams, EqualCurandsHostGeneratorBitwise) {
  GTEST_SKIP() << "built without the CUDA toolkit: no cuRAND host generator to compare with (the recorded values "
                  "above are checked)";
}
#endif

TEST(RandomStreams, AnyWindowEqualsTheSameDrawsOfTheWholeStream) {
  const RandomStream stream(StreamPurpose::data, 3);
  std::vector<double> whole(300), window(7);
  stream.normal(0, whole.size(), whole.data());
  for (std::size_t first : {0u, 1u, 2u, 3u, 5u, 250u}) {
    stream.normal(first, window.size(), window.data());
    for (std::size_t i = 0; i < window.size(); ++i) EXPECT_EQ(bits(window[i]), bits(whole[first + i])) << first + i;
  }
}

}  // namespace
}  // namespace perfgen
