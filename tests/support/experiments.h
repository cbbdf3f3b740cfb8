// Experiments for tests (part config): the Example-1 fixture and the paper's other set-ups as TOML,
// loaded with --set style overrides.
#pragma once

#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "example1_fixture.h"
#include "experiment_file.h"

namespace perfgen::testing {

// Example 1 of the paper on its evenly spaced points (target tanh(x + 1), m = 2, bias, tanh, n = 6),
// small initialization, lr 0.05 under ½Σ: data/example1.toml, the fixture `perfgen bench` and
// analysis/boundary.py use too. It ends with [train]: tests append train keys, then their budget,
// sweep and other sections (not [model], [target], [data] or [init], which it has: use overrides).
inline const std::string kExample1Grid = kExample1Fixture;

// Appendix B's shape (m = 2, d = 3, bias, tanh) on Gaussian data, lr 0.1 under ½Σ: tests append
// their [sweep].
inline std::string appendix_b_experiment(std::int64_t max_iters) {
  return R"(
[model]
input_dim = 3
[target]
w = [1.0, -0.5, 0.25]
[data]
distribution = "gaussian"
[init]
scale = 1e-8
[train]
lr = 0.1
max_iters = )" +
         std::to_string(max_iters) + "\n";
}

// A wide network (rational activation, tanh target, Fig. 5's imbalance profile) on the 6 grid
// points: tests append their [sweep].
inline std::string wide_rational_experiment(int width, std::int64_t max_iters) {
  return R"(
[model]
width = )" +
         std::to_string(width) + R"(
activation = "rational"
[target]
activation = "tanh"
[data]
distribution = "grid"
n = 6
[init]
scale = 1e-6
ratio_start = 1.5015
ratio_step = 0.0015
[train]
lr = 0.01
max_iters = )" +
         std::to_string(max_iters) + "\n";
}

// m = 2 on d-dimensional uniform data with n = d samples, target tanh(1ᵀx + 1), as in Fig. 7:
// tests append their [sweep].
inline std::string high_dimensional_experiment(int d, double lr, double scale, std::int64_t max_iters) {
  auto number = [](double v) {  // std::to_string would print 1e-8 as 0.000000
    std::ostringstream out;
    out << std::setprecision(17) << v;
    return out.str();
  };
  std::string ones;
  for (int j = 0; j < d; ++j) ones += (j ? ", " : "") + std::string("1.0");
  return "[model]\ninput_dim = " + std::to_string(d) + "\n[target]\nw = [" + ones +
         "]\n[data]\ndistribution = \"uniform\"\nrange = [-2.0, 2.0]\nn = " + std::to_string(d) +
         "\n[init]\nscale = " + number(scale) + "\n[train]\nlr = " + number(lr) +
         "\nmax_iters = " + std::to_string(max_iters) + "\n";
}

inline Experiment experiment_from(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  return load_experiment(toml, "<test>", overrides);
}

// The default experiment at n = 6 and 30 steps, c_tilde_values cells × 3 data seeds, in batches of
// batch_size: small sweeps of many batches for the shard, merge and final-file tests.
inline Experiment c_tilde_sweep(int c_tilde_values, std::int64_t batch_size) {
  return experiment_from("[train]\nmax_iters = 30\n[run]\nbatch_size = " + std::to_string(batch_size) +
                         "\n[sweep]\nn = [6]\ndata_seed = {range = [0, 3]}\nc_tilde = {linspace = [0.0, 1.0, " +
                         std::to_string(c_tilde_values) + "]}\n");
}

}  // namespace perfgen::testing
