// The model rank and the predicted sample sizes at the target (host/theory/rank_report.h).
#include "rank_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <tuple>

#include "errors.h"
#include "exact_rank.h"
#include "number_text.h"
#include "perfgen/network.h"
#include "tangent_space.h"

namespace perfgen {
namespace {

// Seeds of the point sets and branch points: fixed, so the report is the same on every run.
constexpr std::uint64_t kMainPointsSeed = 1, kCheckPointsSeed = 2, kExactPointsSeed = 3, kSampleSeed = 4,
                        kSampleCheckSeed = 5, kBranchSeed = 100;
constexpr double kCheckSpread = 2.0;  // the check's points: N(0, 4 I), wider than the data
// Points per parameter for the tangent matrix, up to kMaxPoints rows (the QR step costs rows·P²).
constexpr int kPointsPerParameter = 20, kMaxPoints = 2000;

struct PointSets {
  SamplePoints main, check;
};

// The rank of the tangent matrix at θ on the main points, and its check.
RankFinding find_rank(const NetShape& s, const std::vector<double>& theta, const PointSets& points) {
  const int count = s.param_count();
  RankFinding f;
  f.svd = numeric_rank(tangent_matrix(s, theta, points.main), points.main.count, count);
  if (s.activation == Activation::rational) {
    if (count <= kExactRankMaxParams) {
      f.exact = true;
      f.check_rank = exact_tangent_rank(s, theta, dyadic_points(points.check));
    }
  } else {
    f.check = numeric_rank(tangent_matrix(s, theta, points.check), points.check.count, count);
    f.check_rank = f.check.rank;
  }
  return f;
}

// θ must give f_θ = f*: a wrong branch point would make every number below meaningless.
void require_on_target(const NetShape& s, const TargetSettings& target, const std::vector<double>& theta,
                       const SamplePoints& points, const std::string& label) {
  NetShape one = s;
  one.width = 1;
  std::vector<double> star(static_cast<std::size_t>(one.param_count()));
  star[0] = target.a;
  std::copy(target.w.begin(), target.w.end(), star.begin() + 1);
  if (s.bias) star.back() = target.b;
  double worst = 0.0;
  for (int i = 0; i < points.count; ++i) {
    const double* x = points.x.data() + static_cast<std::size_t>(i) * points.dim;
    worst = std::max(worst, std::fabs(forward(s, theta.data(), x) - forward(one, star.data(), x)));
  }
  if (!(worst <= 1e-10 * (1.0 + std::fabs(target.a))))
    throw std::logic_error("rank: the point built on " + label +
                           " is not on the target set (max |f - f*| = " + std::to_string(worst) + ")");
}

std::string scientific(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1e", v);
  return text;
}

std::string pad(const std::string& text, std::size_t width) {
  // Widths count characters, not bytes: labels hold none but ASCII.
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

std::string decision_text(const RankDecision& d) {
  return std::to_string(d.rank) + "  " + scientific(d.kept()) + " | " +
         (d.dropped() < 0    ? "   none"
          : d.dropped() == 0 ? "      0"
                             : scientific(d.dropped()));
}

// `decides`: the finding's rank is one the verdicts use (a model rank), so a check against it that
// disagrees fails the command; J_n's is shown only (its rank in exact arithmetic is known: see *).
std::string check_text(const RankFinding& f, bool decides) {
  if (f.check_rank < 0) return "not made (P > " + std::to_string(kExactRankMaxParams) + ")";
  std::string text = f.exact ? "exact " + std::to_string(f.check_rank) : decision_text(f.check);
  if (!f.agrees()) text += decides ? "  DISAGREES" : "  differs (not used)";
  return text;
}

}  // namespace

bool RankReport::checks_agree() const {
  for (const BranchFindings& b : branches)
    if (!b.generic.agrees() || !b.corner.agrees()) return false;
  return true;
}

void check_rank_input(const NetShape& s, const TargetSettings& target, const std::string& width_key) {
  if (s.width < 2 || s.width > kRankMaxWidth)
    throw InputError(width_key, "rank needs a width in [2, " + std::to_string(kRankMaxWidth) + "], got " +
                                    std::to_string(s.width) +
                                    (s.width < 2 ? " (with one neuron Q* is a single point: there are no branches)"
                                                 : " (the branches of Q* are enumerated up to this width)"));
  if (s.param_count() > kRankMaxParams)
    throw InputError("model.input_dim", "rank computes dense ranks of at most " + std::to_string(kRankMaxParams) +
                                            " parameters; this model has P = " + std::to_string(s.param_count()));
  if (target.activation != s.activation)
    throw InputError("target.activation", std::string("rank needs the model's activation (") +
                                              activation_name(s.activation) + "), got " +
                                              activation_name(target.activation) +
                                              ": no network of this model equals the target, so Q* is empty");
  if (!s.bias && target.b != 0.0)
    throw InputError("target.b", "rank needs b0 = 0 when model.bias = false, got " + number_text(target.b) +
                                     ": no network of this model equals the target, so Q* is empty");
  if (target.a == 0.0) throw InputError("target.a", "rank needs a nonzero target (a0 = 0 makes f* = 0)");
  if (std::all_of(target.w.begin(), target.w.end(), [](double w) { return w == 0.0; }))
    throw InputError("target.w",
                     "rank needs w0 != 0: a constant target a0 σ(b0) mixes with every neuron of w_k = 0, "
                     "and those branches are not enumerated");
}

RankReport analyse_rank(const NetShape& s, const TargetSettings& target, const DataSettings& data) {
  check_rank_input(s, target);
  const int count = s.param_count(), d = s.input_dim;
  RankReport report;
  report.shape = s;
  report.target = target;
  const int rows = std::min(kPointsPerParameter * count, kMaxPoints);
  const PointSets points{data_range_points(data, d, rows, kMainPointsSeed),
                         gaussian_points(d, rows, kCheckSpread, kCheckPointsSeed)};
  const PointSets exact_points{points.main, data_range_points(data, d, 2 * count, kExactPointsSeed)};
  const bool exact = s.activation == Activation::rational;
  report.points = points.main.description;
  report.check_points = exact ? "exact rank over Q (GMP) at θ and " + dyadic_points(exact_points.check).description
                              : "the same decision on " + points.check.description;
  report.optimistic = count + 1;
  const std::vector<TargetBranch> branches = target_branches(s);
  std::map<std::vector<double>, RankFinding> corners;
  for (std::size_t index = 0; index < branches.size(); ++index) {
    BranchFindings f;
    f.branch = branches[index];
    f.dimension = f.branch.dimension(s);
    f.codimension = count - f.dimension;
    const std::vector<double> generic = branch_point(s, target, f.branch, true, kBranchSeed + index);
    const std::vector<double> corner = branch_point(s, target, f.branch, false, 0);
    require_on_target(s, target, generic, points.main, f.branch.label());
    require_on_target(s, target, corner, points.main, f.branch.label());
    const PointSets& rank_points = exact ? exact_points : points;
    f.generic = find_rank(s, generic, rank_points);
    auto known = corners.find(corner);  // branches with as many aligned neurons share their corner
    if (known == corners.end()) known = corners.emplace(corner, find_rank(s, corner, rank_points)).first;
    f.corner = known->second;
    const SamplePoints sample = data_range_points(data, d, f.codimension, kSampleSeed + index);
    const SamplePoints sample_check = exact ? data_range_points(data, d, f.codimension, kSampleCheckSeed + index)
                                            : gaussian_points(d, f.codimension, kCheckSpread, kSampleCheckSeed + index);
    f.sample = find_rank(s, generic, {sample, sample_check});
    report.optimistic = std::min({report.optimistic, f.generic.svd.rank, f.corner.svd.rank});
    report.branches.push_back(std::move(f));
  }
  return report;
}

void print_rank_report(const RankReport& r, std::ostream& out) {
  const NetShape& s = r.shape;
  out << "model    m = " << s.width << ", d = " << s.input_dim << ", " << (s.bias ? "bias" : "no bias") << ", "
      << activation_name(s.activation) << ": P = " << s.param_count() << " parameters, D = dim w~ = " << s.weight_dim()
      << '\n';
  out << "target   f*(x) = " << r.target.a << " " << activation_name(s.activation) << "(w0.x" << (s.bias ? " + b0" : "")
      << "), w0 = [";
  for (std::size_t i = 0; i < r.target.w.size(); ++i) out << (i ? ", " : "") << r.target.w[i];
  out << "]";
  if (s.bias) out << ", b0 = " << r.target.b;
  out << '\n'
      << "rank     number of singular values > " << scientific(kRankTolerance)
      << " sigma_1 of the column-scaled tangent matrix df(x_i)/dtheta_j\n"
      << "         on " << r.points << "\n"
      << "check    " << r.check_points << "\n\n";

  std::size_t label_width = 8, neurons_width = 9;
  for (const BranchFindings& f : r.branches) {
    label_width = std::max(label_width, f.branch.label().size() + 2);
    neurons_width = std::max(neurons_width, f.branch.composition().size() + 2);
  }
  bool unexpected_sample = false;
  out << pad("branch", label_width) << pad("neurons", neurons_width)
      << "dim  codim  model rank      rank J_n   separated at n = codim\n"
      << pad("", label_width + neurons_width) << "             generic corner  n = codim  (sufficient criterion)\n";
  for (const BranchFindings& f : r.branches) {
    const bool as_expected = f.sample.svd.rank == f.expected_sample_rank();
    unexpected_sample = unexpected_sample || !as_expected;
    out << pad(f.branch.label(), label_width) << pad(f.branch.composition(), neurons_width)
        << pad(std::to_string(f.dimension), 5) << pad(std::to_string(f.codimension), 7)
        << pad(std::to_string(f.generic.svd.rank), 8) << pad(std::to_string(f.corner.svd.rank), 8)
        << pad(std::to_string(f.sample.svd.rank) + (as_expected ? "" : "*"), 11)
        << (f.sufficient() ? "yes" : "not shown: model rank " + std::to_string(f.generic.svd.rank) + " < codim")
        << '\n';
  }
  if (unexpected_sample)
    out << "* J_n at n = codim points is numerically rank-deficient here (see its gap below); in exact arithmetic its\n"
           "  rank is min(n, generic model rank), which the last column uses.\n";
  out << "\nrank decisions: rank  sigma_r/sigma_1 (smallest kept) | sigma_r+1/sigma_1 (largest dropped)\n";
  for (const BranchFindings& f : r.branches) {
    const std::tuple<const char*, const RankFinding*, bool> rows[] = {
        {"generic", &f.generic, true}, {"corner", &f.corner, true}, {"J_n", &f.sample, false}};
    for (const auto& [name, finding, decides] : rows)
      out << pad(f.branch.label(), label_width) << pad(name, 9) << pad(decision_text(finding->svd), 26) << "check "
          << check_text(*finding, decides) << '\n';
  }
  out << "\nseparation sample size = codim = P - dim: with fewer samples the zero-loss set near the branch is\n"
         "larger than the branch (necessary). \"yes\": at n = codim generic samples J_n has full row rank, so\n"
         "near a generic point of the branch the zero-loss set is the branch (implicit function theorem).\n"
         "optimistic sample size = the smallest model rank on Q* (reached at the corners).\n\n";
  out << "optimistic sample size: " << r.optimistic << '\n';
  for (const BranchFindings& f : r.branches)
    out << "separation sample size of " << f.branch.label() << ": " << f.codimension << '\n';
}

}  // namespace perfgen
