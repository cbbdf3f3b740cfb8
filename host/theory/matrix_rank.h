// The numerical rank of a dense real matrix: singular values by Householder QR followed by one-sided
// (Hestenes) Jacobi rotations on R, accurate to about ε·σ_1 (the QR has no column pivoting, so small
// singular values are not found to high relative accuracy; the 1e-9 threshold below needs only
// that); the rank counts those above a stated fraction of the largest. No LAPACK: the matrices are at most a
// few hundred columns wide.
#pragma once

#include <vector>

namespace perfgen {

// σ_i ≤ kRankTolerance·σ_1 counts as zero. The tangent matrices of the report separate their
// singular values by many orders of magnitude around it (the report prints both sides of the gap).
inline constexpr double kRankTolerance = 1e-9;

// Singular values of the rows × cols matrix a (row-major), largest first; min(rows, cols) of them.
std::vector<double> singular_values(std::vector<double> a, int rows, int cols);

struct RankDecision {
  int rank = 0;
  double tolerance = kRankTolerance;    // relative to σ_1
  std::vector<double> singular_values;  // of the column-scaled matrix, largest first
  // σ_r/σ_1, the smallest kept (0 when the rank is 0), and σ_{r+1}/σ_1, the largest dropped (−1 when
  // none is dropped: full rank).
  double kept() const;
  double dropped() const;
};

// Rank of a (row-major rows × cols) after scaling every nonzero column to unit length, so that the
// decision does not depend on the units of the parameters; an all-zero column stays zero.
RankDecision numeric_rank(std::vector<double> a, int rows, int cols, double relative_tolerance = kRankTolerance);

}  // namespace perfgen
