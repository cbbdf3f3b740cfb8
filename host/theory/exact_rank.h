// The exact rank over the rationals of the tangent matrix of a network with the rational activation
// σ(z) = z/(1 + z²): every entry is a rational function of θ and x, so at rational θ and x the
// matrix is rational and its rank is decided without rounding (GMP, fraction-free elimination).
// An independent check of the floating-point rank of host/theory/matrix_rank.h.
#pragma once

#include <vector>

#include "perfgen/network.h"
#include "tangent_space.h"

namespace perfgen {

// Rank of the tangent matrix at θ and the points, each double taken as the exact binary fraction it
// holds. s.activation must be Activation::rational (std::invalid_argument otherwise).
int exact_tangent_rank(const NetShape& s, const std::vector<double>& theta, const SamplePoints& points);

// Exact rank of an integer matrix (row-major rows × cols): for the tests.
int exact_integer_rank(const std::vector<long long>& a, int rows, int cols);

}  // namespace perfgen
