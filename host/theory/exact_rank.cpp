// Exact rank of the rational-σ tangent matrix with GMP (host/theory/exact_rank.h).
#include "exact_rank.h"

#include <gmpxx.h>

#include <stdexcept>

// a·b + c over the rationals: the shared math's `fused` (perfgen/shared_tanh.h), which the tangent rows
// call, found by argument-dependent lookup for GMP's types.
inline mpq_class fused(const mpq_class& a, const mpq_class& b, const mpq_class& c) { return a * b + c; }

namespace perfgen {
namespace {

// Bareiss' fraction-free elimination with row pivoting: after the pivots in columns c_1..c_r, every
// entry below them is a minor of the original matrix, so each division is exact. Returns the rank.
int bareiss_rank(std::vector<mpz_class> a, int rows, int cols) {
  auto at = [&](int i, int j) -> mpz_class& { return a[static_cast<std::size_t>(i) * cols + j]; };
  mpz_class previous = 1;
  int rank = 0;
  for (int c = 0; c < cols && rank < rows; ++c) {
    int pivot = rank;
    while (pivot < rows && sgn(at(pivot, c)) == 0) ++pivot;
    if (pivot == rows) continue;
    if (pivot != rank)
      for (int j = 0; j < cols; ++j) std::swap(at(pivot, j), at(rank, j));
    for (int i = rank + 1; i < rows; ++i) {
      for (int j = c + 1; j < cols; ++j) {
        mpz_class value = at(rank, c) * at(i, j) - at(i, c) * at(rank, j);
        if (!mpz_divisible_p(value.get_mpz_t(), previous.get_mpz_t()))
          throw std::logic_error("fraction-free elimination: a division is not exact");
        mpz_divexact(at(i, j).get_mpz_t(), value.get_mpz_t(), previous.get_mpz_t());
      }
      at(i, c) = 0;
    }
    previous = at(rank, c);
    ++rank;
  }
  return rank;
}

}  // namespace

int exact_tangent_rank(const NetShape& s, const std::vector<double>& theta, const SamplePoints& points) {
  if (s.activation != Activation::rational)
    throw std::invalid_argument("exact rank: only the rational activation has rational values at rational points");
  const int count = s.param_count();
  std::vector<mpq_class> q_theta(theta.begin(), theta.end());  // exact: a double is a binary fraction
  std::vector<mpq_class> q_x(points.x.begin(), points.x.end());
  std::vector<mpq_class> row(count);
  std::vector<mpz_class> integers(static_cast<std::size_t>(points.count) * count);
  auto sigma = [](const mpq_class& z, mpq_class& value, mpq_class& slope) { rational_activation(z, value, slope); };
  for (int i = 0; i < points.count; ++i) {
    tangent_row(s, q_theta.data(), q_x.data() + static_cast<std::size_t>(i) * points.dim, row.data(), sigma);
    mpz_class scale = 1;  // the row times the lcm of its denominators: integers, same rank
    for (const mpq_class& v : row) mpz_lcm(scale.get_mpz_t(), scale.get_mpz_t(), v.get_den_mpz_t());
    for (int j = 0; j < count; ++j) {
      const mpq_class scaled = row[j] * scale;
      integers[static_cast<std::size_t>(i) * count + j] = scaled.get_num();
    }
  }
  return bareiss_rank(std::move(integers), points.count, count);
}

int exact_integer_rank(const std::vector<long long>& a, int rows, int cols) {
  std::vector<mpz_class> integers;
  integers.reserve(a.size());
  for (long long v : a) integers.emplace_back(static_cast<long>(v));
  return bareiss_rank(std::move(integers), rows, cols);
}

}  // namespace perfgen
