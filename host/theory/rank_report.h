// `perfgen rank`'s analysis: for the model and target of an experiment, the branches of Q*, their
// dimensions and codimensions, the model rank (dimension of the tangent function space) at points on
// them, and the sample sizes the theory predicts: the optimistic sample size (Zhang et al. 2023a:
// the smallest model rank on Q*) and, per branch, the separation sample size (paper Definition 1:
// its codimension, a necessary size, with the sufficient Jacobian criterion checked at that size).
// docs/REPRODUCTION.md says what is computed and why; docs/CLI.md shows the output.
#pragma once

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "experiment.h"
#include "matrix_rank.h"
#include "target_branches.h"

namespace perfgen {

// The report's bounds: branches are enumerated up to this width, the dense rank up to this many
// parameters, the exact (GMP) check up to kExactRankMaxParams.
inline constexpr int kRankMaxWidth = 8;
inline constexpr int kRankMaxParams = 240;
inline constexpr int kExactRankMaxParams = 40;

// One rank: the floating-point decision on the main point set and an independent check, exact over
// the rationals (rational σ) or the same decision on a second point set (tanh).
struct RankFinding {
  RankDecision svd;
  int check_rank = -1;  // -1: no check made (exact check above kExactRankMaxParams)
  bool exact = false;
  RankDecision check;  // the second point set's decision when not exact
  bool agrees() const { return check_rank < 0 || check_rank == svd.rank; }
};

struct BranchFindings {
  TargetBranch branch;
  int dimension = 0;
  int codimension = 0;  // P − dimension: the separation sample size's lower bound
  RankFinding generic;  // model rank at a generic point of the branch
  RankFinding corner;   // at its corner (every free parameter 0)
  RankFinding sample;   // rank of J_n, n = codimension sample points, at the generic point
  // J_n at n generic points has rank min(n, generic rank): r linearly independent analytic functions
  // evaluated at n generic points. So the sufficient criterion (J_n of full row rank at n = codim)
  // holds exactly when the generic model rank equals the codimension; `sample` shows it numerically,
  // where n points can be badly conditioned (wide nets, d = 1), so it is shown, not relied on.
  int expected_sample_rank() const { return std::min(codimension, generic.svd.rank); }
  bool sufficient() const { return generic.svd.rank == codimension; }
};

struct RankReport {
  NetShape shape;
  TargetSettings target;
  std::string points;        // where the tangent functions were sampled
  std::string check_points;  // the independent check
  std::vector<BranchFindings> branches;
  int optimistic = 0;         // smallest model rank found on Q*
  bool checks_agree() const;  // of the model ranks (generic and corner), which the results rest on
};

// InputError (exit 2) when the report cannot be made for this model and target: width outside
// [2, kRankMaxWidth], more than kRankMaxParams parameters, a target activation other than the
// model's (Q* is then empty), a zero target (a0 = 0) or a constant one (w0 = 0). width_key names the
// setting the width came from.
void check_rank_input(const NetShape& s, const TargetSettings& target, const std::string& width_key = "model.width");

RankReport analyse_rank(const NetShape& s, const TargetSettings& target, const DataSettings& data);

// The table, the rank decisions with their gaps, and the lines scripts grep:
// "optimistic sample size: N" and "separation sample size of LABEL: N".
void print_rank_report(const RankReport& report, std::ostream& out);

}  // namespace perfgen
