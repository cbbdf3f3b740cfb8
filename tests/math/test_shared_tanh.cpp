// The one tanh every backend uses (perfgen/shared_tanh.h): its accuracy against long-double tanhl,
// its special values and symmetry, and the primitives it is built from.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <random>

#include "perfgen/shared_tanh.h"
#include "temp_dir.h"

namespace perfgen {
namespace {

// The error in units of the spacing of doubles where the exact value lies (the smaller spacing, just
// below a power of two).
double ulps_from(double value, long double exact) {
  const double size = std::fabs(static_cast<double>(exact));
  const double above = std::nextafter(size, INFINITY) - size, below = size - std::nextafter(size, 0.0);
  const double ulp = below > 0.0 ? std::min(above, below) : above;
  return static_cast<double>(std::fabs(static_cast<long double>(value) - exact) / ulp);
}

// 2.59 ulp is the worst error found over these points (and 2·10^7 random ones while it was written);
// the bound leaves a little room, and is below the 3.5 ulp of the libmvec-based tanh it replaced.
TEST(SharedTanh, WithinThreeUlpOfTheExactValue) {
  double worst = 0.0, worst_at = 0.0;
  auto check = [&](double x) {
    const double error = ulps_from(shared_tanh(x), tanhl(static_cast<long double>(x)));
    if (error > worst) worst = error, worst_at = x;
  };
  for (int decade = -310; decade <= 2; ++decade)
    for (int step = 0; step < 1000; ++step) {
      const double x = (1.0 + 9.0 * step / 1000.0) * std::pow(10.0, decade);
      check(x);
      check(-x);
    }
  std::mt19937_64 random(2026);
  std::uniform_real_distribution<double> uniform(-21.0, 21.0);
  for (int i = 0; i < 1000000; ++i) check(uniform(random));
  std::cout << "shared tanh: max error " << worst << " ulp at " << worst_at << '\n';
  EXPECT_LE(worst, 3.0);
}

TEST(SharedTanh, SpecialValuesAndSymmetry) {
  EXPECT_TRUE(testing::same_bits(shared_tanh(0.0), 0.0));
  EXPECT_TRUE(testing::same_bits(shared_tanh(-0.0), -0.0));
  EXPECT_EQ(shared_tanh(INFINITY), 1.0);
  EXPECT_EQ(shared_tanh(-INFINITY), -1.0);
  EXPECT_TRUE(std::isnan(shared_tanh(NAN)));
  EXPECT_EQ(static_cast<double>(tanhl(20.0L)), 1.0);  // so the clamp at |x| = 20 cuts only values that round to ±1
  EXPECT_EQ(shared_tanh(20.0), 1.0);
  EXPECT_EQ(shared_tanh(1e300), 1.0);
  EXPECT_EQ(shared_tanh(5e-324), 5e-324);  // the smallest subnormal: tanh x = x
  for (double x = 1e-8; x < 30.0; x *= 1.37) EXPECT_TRUE(testing::same_bits(shared_tanh(-x), -shared_tanh(x))) << x;
}

TEST(SharedTanh, PowerOfTwoFromTheRoundingShift) {
  for (int k = -60; k <= 60; ++k) {
    const double t = static_cast<double>(k) + kTanhRoundingShift;
    EXPECT_EQ(power_of_two(t, kTanhRoundingShift), std::ldexp(1.0, k)) << k;
  }
  EXPECT_EQ(at_least(-50.0, -40.0), -40.0);
  EXPECT_EQ(at_least(-3.0, -40.0), -3.0);
  EXPECT_TRUE(std::isnan(at_least(NAN, -40.0)));
  EXPECT_EQ(fused(0.1, 10.0, -1.0), std::fma(0.1, 10.0, -1.0));
  EXPECT_NE(fused(0.1, 10.0, -1.0), 0.1 * 10.0 - 1.0);  // rounded once, not twice
}

}  // namespace
}  // namespace perfgen
