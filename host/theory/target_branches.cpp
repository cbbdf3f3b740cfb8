// The branches of Q* and points on them (host/theory/target_branches.h).
#include "target_branches.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "perfgen/activation.h"
#include "tangent_space.h"

namespace perfgen {
namespace {

// Every list of parts ≥ 2, largest first, each at most max_part, summing to at most budget (the empty
// list included).
void partitions(int budget, int max_part, std::vector<int>& current, std::vector<std::vector<int>>& out) {
  out.push_back(current);
  for (int part = std::min(budget, max_part); part >= 2; --part) {
    current.push_back(part);
    partitions(budget - part, part, current, out);
    current.pop_back();
  }
}

std::string others_text(const TargetBranch& b) {
  std::ostringstream text;
  const char* separator = "";
  if (b.silent) text << separator << b.silent << " silent", separator = ", ";
  if (b.inert) text << separator << b.inert << " inert", separator = ", ";
  if (!b.cancelling.empty()) {
    text << separator << "cancelling ";
    for (std::size_t i = 0; i < b.cancelling.size(); ++i) text << (i ? "+" : "") << b.cancelling[i];
    separator = ", ";
  }
  if (b.constant) text << separator << "constant " << b.constant;
  return text.str();
}

}  // namespace

bool TargetBranch::is_paper_family() const { return inert == 0 && cancelling.empty() && constant == 0; }

int TargetBranch::dimension(const NetShape& s) const {
  const int d_tilde = s.weight_dim();
  int dim = (aligned - 1) + silent * d_tilde + inert + (constant ? 2 * constant - 1 : 0);
  for (int g : cancelling) dim += d_tilde + g - 1;
  return dim;
}

std::string TargetBranch::label() const {
  std::ostringstream text;
  if (is_paper_family())
    text << "Q^" << silent + 1 << " (j = " << aligned << ")";
  else
    text << "[j = " << aligned << ", " << others_text(*this) << "]";
  return text.str();
}

std::string TargetBranch::composition() const {
  const std::string others = others_text(*this);
  return std::to_string(aligned) + " aligned" + (others.empty() ? "" : ", " + others);
}

std::vector<TargetBranch> target_branches(const NetShape& s) {
  const int m = s.width;
  std::vector<TargetBranch> branches;
  for (int j = m; j >= 1; --j) {
    TargetBranch b;
    b.aligned = j;
    b.silent = m - j;
    branches.push_back(b);
  }
  for (int j = m; j >= 1; --j) {
    const int rest = m - j;
    for (int c = 0; c <= rest; ++c) {
      if (c == 1 || (c > 0 && !s.bias)) continue;
      for (int z = 0; z + c <= rest; ++z) {
        if (s.bias && (z > 1 || (z > 0 && c > 0))) continue;  // absorbed by a constant group
        const int free = rest - c - z;
        std::vector<std::vector<int>> groups;
        std::vector<int> current;
        partitions(free, free, current, groups);
        for (const std::vector<int>& group : groups) {
          int grouped = 0;
          for (int g : group) grouped += g;
          TargetBranch b;
          b.aligned = j;
          b.silent = free - grouped;
          b.inert = z;
          b.cancelling = group;
          b.constant = c;
          if (!b.is_paper_family()) branches.push_back(b);
        }
      }
    }
  }
  return branches;
}

std::vector<double> branch_point(const NetShape& s, const TargetSettings& target, const TargetBranch& branch, bool generic,
                                 std::uint64_t seed) {
  const int d = s.input_dim, stride = s.neuron_stride();
  std::vector<double> theta(static_cast<std::size_t>(s.param_count()), 0.0);
  TheoryRandom random(seed);
  // A generic value: ±[0.25, 1.5] in steps of 1/64, exact in binary and never 0.
  auto draw = [&] {
    const double magnitude = std::ldexp(std::nearbyint(std::ldexp(0.25 + 1.25 * random.uniform(), 6)), -6);
    return random.uniform() < 0.5 ? -magnitude : magnitude;
  };
  // Values summing to `total`, all nonzero (the last absorbs the rest and is redrawn until not small).
  auto amounts = [&](int count, double total) {
    std::vector<double> a(count);
    for (int attempt = 0;; ++attempt) {
      double sum = 0.0;
      for (int k = 0; k + 1 < count; ++k) sum += (a[k] = draw());
      a[count - 1] = total - sum;
      if (std::fabs(a[count - 1]) >= 1.0 / 64 || attempt > 100) return a;
    }
  };
  int k = 0;
  auto neuron = [&](int index) { return theta.data() + static_cast<std::size_t>(index) * stride; };
  auto set_target_weights = [&](double* n) {
    for (int i = 0; i < d; ++i) n[1 + i] = target.w[i];
    if (s.bias) n[1 + d] = target.b;
  };
  // aligned
  const std::vector<double> aligned_a =
      generic ? amounts(branch.aligned, target.a) : [&] {
        std::vector<double> a(branch.aligned, 0.0);
        a[0] = target.a;
        return a;
      }();
  for (int i = 0; i < branch.aligned; ++i, ++k) {
    neuron(k)[0] = aligned_a[i];
    set_target_weights(neuron(k));
  }
  if (!generic) return theta;  // every other neuron 0
  for (int i = 0; i < branch.silent; ++i, ++k)
    for (int p = 1; p < stride; ++p) neuron(k)[p] = draw();
  for (int i = 0; i < branch.inert; ++i, ++k) neuron(k)[0] = draw();
  for (int g : branch.cancelling) {
    std::vector<double> u(stride - 1);
    for (double& e : u) e = draw();
    const std::vector<double> a = amounts(g, 0.0);
    for (int i = 0; i < g; ++i, ++k) {
      neuron(k)[0] = a[i];
      std::copy(u.begin(), u.end(), neuron(k) + 1);
    }
  }
  if (branch.constant) {
    double sum = 0.0;
    const int first = k;
    for (int i = 0; i < branch.constant; ++i, ++k) {
      neuron(k)[1 + d] = draw();
      if (i + 1 < branch.constant) sum += (neuron(k)[0] = draw()) * activation_value(s.activation, neuron(k)[1 + d]);
    }
    double* last = neuron(first + branch.constant - 1);
    last[0] = -sum / activation_value(s.activation, last[1 + d]);
  }
  return theta;
}

}  // namespace perfgen
