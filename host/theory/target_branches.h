// The branches of the target set Q* = {θ : f_θ = f*} for a single-neuron target
// f* = a0 σ(w̃0·x̃) with a0 ≠ 0, w0 ≠ 0 and an odd σ with σ(0) = 0 whose neurons are linearly
// independent up to sign (tanh, rational). Then f_θ = f* exactly when the neurons group as follows,
// and each kind of grouping is one branch (a family of components equal up to neuron order and the
// sign symmetry (a, w̃) ≡ (−a, −w̃)). D = dim w̃:
//   aligned     j ≥ 1 neurons with w̃_k = w̃0, Σ a_k = a0                     dimension j − 1
//   silent      a_k = 0, w̃_k free                                           D each
//   inert       w̃_k = 0, a_k free (σ(0) = 0)                                1 each
//   cancelling  g ≥ 2 neurons sharing a free direction u, Σ a_k = 0          D + g − 1 per group
//   constant    with bias, c ≥ 2 neurons with w_k = 0, Σ a_k σ(b_k) = 0      2c − 1
// The paper's Q^1 and Q^2 (m = 2) are "2 aligned" and "1 aligned + 1 silent"; in general the branch
// of j aligned and m − j silent neurons is called Q^(m−j+1) here, after the number of distinct
// neurons in it. With bias, inert neurons come alone (two are the corner of a constant group).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiment.h"
#include "perfgen/network.h"

namespace perfgen {

struct TargetBranch {
  int aligned = 1;
  int silent = 0;
  int inert = 0;
  std::vector<int> cancelling;  // group sizes, each ≥ 2, largest first
  int constant = 0;             // 0, or the size (≥ 2) of the constant group

  bool is_paper_family() const;  // aligned + silent only: Q^k
  int dimension(const NetShape& s) const;
  std::string label() const;        // "Q^2 (j = 1)" or "[j = 1, 1 inert]"
  std::string composition() const;  // "1 aligned, 1 silent"
};

// Every branch of Q* for the model's width, paper family first (Q^1, Q^2, …), then the others.
std::vector<TargetBranch> target_branches(const NetShape& s);

// A point of the branch for the target (target.a, target.w, target.b). generic: its free parameters
// drawn (seed) as binary fractions with small denominators, away from 0 (a generic point);
// otherwise its corner: every free parameter 0 (aligned neurons (a0, w̃0), (0, w̃0), …), a point in
// the closure of every branch, where the model rank is smallest.
std::vector<double> branch_point(const NetShape& s, const TargetSettings& target, const TargetBranch& branch,
                                 bool generic, std::uint64_t seed);

}  // namespace perfgen
