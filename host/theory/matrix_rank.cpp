// Singular values and numerical rank (host/theory/matrix_rank.h).
#include "matrix_rank.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace perfgen {
namespace {

// Householder QR of the column-major rows × cols matrix (rows ≥ cols); returns R, column-major
// cols × cols. Singular values of R are those of the matrix.
std::vector<double> triangular_factor(std::vector<double> a, int rows, int cols) {
  for (int k = 0; k < cols; ++k) {
    double* col = a.data() + static_cast<std::size_t>(k) * rows;
    double norm = 0.0;
    for (int i = k; i < rows; ++i) norm = std::hypot(norm, col[i]);
    if (norm == 0.0) continue;
    const double alpha = col[k] > 0 ? -norm : norm;
    std::vector<double> v(col + k, col + rows);  // v = x − alpha·e1
    v[0] -= alpha;
    double vv = 0.0;
    for (double e : v) vv += e * e;
    if (vv == 0.0) continue;
    for (int j = k; j < cols; ++j) {
      double* c = a.data() + static_cast<std::size_t>(j) * rows;
      double dot = 0.0;
      for (int i = k; i < rows; ++i) dot += v[i - k] * c[i];
      const double f = 2.0 * dot / vv;
      for (int i = k; i < rows; ++i) c[i] -= f * v[i - k];
    }
  }
  std::vector<double> r(static_cast<std::size_t>(cols) * cols, 0.0);
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i <= j; ++i) r[static_cast<std::size_t>(j) * cols + i] = a[static_cast<std::size_t>(j) * rows + i];
  return r;
}

// One-sided Jacobi: rotate pairs of columns of the column-major n × n matrix until all are
// orthogonal to working precision; the column lengths are then the singular values.
std::vector<double> jacobi_column_norms(std::vector<double> r, int n) {
  const double eps = 1e-15;
  for (int sweep = 0; sweep < 80; ++sweep) {
    bool rotated = false;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        double* cp = r.data() + static_cast<std::size_t>(p) * n;
        double* cq = r.data() + static_cast<std::size_t>(q) * n;
        double alpha = 0.0, beta = 0.0, gamma = 0.0;
        for (int i = 0; i < n; ++i) {
          alpha += cp[i] * cp[i];
          beta += cq[i] * cq[i];
          gamma += cp[i] * cq[i];
        }
        if (gamma == 0.0 || std::fabs(gamma) <= eps * std::sqrt(alpha * beta)) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2.0 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::fabs(zeta) + std::sqrt(1.0 + zeta * zeta));
        const double c = 1.0 / std::sqrt(1.0 + t * t), s = c * t;
        for (int i = 0; i < n; ++i) {
          const double x = cp[i], y = cq[i];
          cp[i] = c * x - s * y;
          cq[i] = s * x + c * y;
        }
      }
    if (!rotated) break;
  }
  std::vector<double> norms(n);
  for (int j = 0; j < n; ++j) {
    double s = 0.0;
    for (int i = 0; i < n; ++i) s = std::hypot(s, r[static_cast<std::size_t>(j) * n + i]);
    norms[j] = s;
  }
  std::sort(norms.begin(), norms.end(), std::greater<>());
  return norms;
}

}  // namespace

std::vector<double> singular_values(std::vector<double> a, int rows, int cols) {
  // Column-major copy of a, or of aᵀ when it is wide (same singular values).
  const bool wide = rows < cols;
  const int m = wide ? cols : rows, n = wide ? rows : cols;
  std::vector<double> columns(static_cast<std::size_t>(m) * n);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      const double v = a[static_cast<std::size_t>(i) * cols + j];
      if (wide)
        columns[static_cast<std::size_t>(i) * m + j] = v;  // column i of aᵀ is row i of a
      else
        columns[static_cast<std::size_t>(j) * m + i] = v;
    }
  return jacobi_column_norms(triangular_factor(std::move(columns), m, n), n);
}

double RankDecision::kept() const { return rank > 0 ? singular_values[rank - 1] / singular_values[0] : 0.0; }

double RankDecision::dropped() const {
  if (rank >= static_cast<int>(singular_values.size())) return -1.0;
  return rank > 0 ? singular_values[rank] / singular_values[0] : 0.0;
}

RankDecision numeric_rank(std::vector<double> a, int rows, int cols, double relative_tolerance) {
  for (int j = 0; j < cols; ++j) {
    double norm = 0.0;
    for (int i = 0; i < rows; ++i) norm = std::hypot(norm, a[static_cast<std::size_t>(i) * cols + j]);
    if (norm > 0.0)
      for (int i = 0; i < rows; ++i) a[static_cast<std::size_t>(i) * cols + j] /= norm;
  }
  RankDecision d;
  d.tolerance = relative_tolerance;
  d.singular_values = singular_values(std::move(a), rows, cols);
  if (d.singular_values.empty() || d.singular_values[0] == 0.0) return d;
  for (double s : d.singular_values)
    if (s > relative_tolerance * d.singular_values[0]) ++d.rank;
  return d;
}

}  // namespace perfgen
