// The rank machinery of `perfgen rank` (host/theory/matrix_rank.h, exact_rank.h): singular values by
// QR + one-sided Jacobi against known answers, the numerical rank and its gap, and the exact
// fraction-free rank of integer matrices.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "exact_rank.h"
#include "matrix_rank.h"
#include "tangent_space.h"  // TheoryRandom

namespace perfgen {
namespace {

// rows × cols matrix U·V (row-major) of rank ≤ inner, from small integers.
std::vector<long long> low_rank_product(int rows, int cols, int inner, std::uint64_t seed) {
  TheoryRandom random(seed);
  std::vector<long long> u(rows * inner), v(inner * cols), a(rows * cols, 0);
  for (auto& e : u) e = static_cast<long long>(random.next() % 11) - 5;
  for (auto& e : v) e = static_cast<long long>(random.next() % 11) - 5;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      for (int k = 0; k < inner; ++k) a[i * cols + j] += u[i * inner + k] * v[k * cols + j];
  return a;
}

std::vector<double> to_double(const std::vector<long long>& a) { return {a.begin(), a.end()}; }

TEST(SingularValues, OfADiagonalMatrixAreItsEntriesSorted) {
  const std::vector<double> a = {3, 0, 0,  //
                                 0, -7, 0,  //
                                 0, 0, 0.5,  //
                                 0, 0, 0};
  const std::vector<double> s = singular_values(a, 4, 3);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_NEAR(s[0], 7.0, 1e-14);
  EXPECT_NEAR(s[1], 3.0, 1e-14);
  EXPECT_NEAR(s[2], 0.5, 1e-14);
}

TEST(SingularValues, OfA2x2MatrixMatchTheClosedForm) {
  // [[2, 1], [1, 2]]: eigenvalues 3 and 1; a wide copy (1 × 2 rows) has one singular value √5.
  const std::vector<double> s = singular_values({2, 1, 1, 2}, 2, 2);
  EXPECT_NEAR(s[0], 3.0, 1e-14);
  EXPECT_NEAR(s[1], 1.0, 1e-14);
  const std::vector<double> wide = singular_values({1, 2}, 1, 2);
  ASSERT_EQ(wide.size(), 1u);
  EXPECT_NEAR(wide[0], std::sqrt(5.0), 1e-14);
}

TEST(NumericRank, FindsTheRankOfLowRankProductsWithAWideGap) {
  for (int inner = 1; inner <= 6; ++inner) {
    const auto a = low_rank_product(30, 8, inner, 10 + inner);
    const RankDecision d = numeric_rank(to_double(a), 30, 8);
    EXPECT_EQ(d.rank, inner) << inner;  // inner < 8 columns: rank deficient, so something is dropped
    EXPECT_GT(d.kept(), 1e-6);
    EXPECT_LT(d.dropped(), 1e-13);
  }
}

TEST(NumericRank, ScalesColumnsSoUnitsDoNotDecide) {
  // Two independent columns, one 1e12 times longer: still rank 2; an all-zero column adds nothing.
  std::vector<double> a;
  for (int i = 0; i < 10; ++i) a.insert(a.end(), {1e12 * i, 1.0 + i * i, 0.0});
  const RankDecision d = numeric_rank(a, 10, 3);
  EXPECT_EQ(d.rank, 2);
  EXPECT_EQ(d.dropped(), 0.0);
}

TEST(NumericRank, FullRankDropsNothing) {
  const RankDecision d = numeric_rank({1, 0, 0, 1, 1, 1}, 3, 2);
  EXPECT_EQ(d.rank, 2);
  EXPECT_LT(d.dropped(), 0.0);
}

TEST(ExactRank, OfIntegerProductsIsTheInnerDimension) {
  for (int inner = 1; inner <= 7; ++inner) {
    const auto a = low_rank_product(12, 9, inner, 40 + inner);
    EXPECT_EQ(exact_integer_rank(a, 12, 9), inner) << inner;
  }
  EXPECT_EQ(exact_integer_rank({0, 0, 0, 0}, 2, 2), 0);
  // A zero first column and a pivot found below the first row (both need the elimination's care).
  EXPECT_EQ(exact_integer_rank({0, 0, 1, 0, 2, 3, 0, 4, 6}, 3, 3), 2);
}

}  // namespace
}  // namespace perfgen
