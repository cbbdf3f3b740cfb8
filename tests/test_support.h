// Helpers shared by the test suites: temporary folders and experiments from inline TOML.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include "cpu_backend.h"
#include "example1_fixture.h"
#include "experiment_file.h"
#include "hdf5_io.h"
#include "materialize.h"

namespace perfgen::testing {

// A reliability figure counted by a test (kills survived, bad inputs tried, trials lost), printed as
// `[reliability] ...` so that docs/RELIABILITY.md's figures come from the tests' own counts:
// `bash scripts/reliability.sh` runs those tests and prints the lines.
inline void report_reliability(const std::string& figure) {
  std::cout << "[reliability] " << figure << std::endl;
  ::testing::Test::RecordProperty("reliability", figure);
}

// A fresh folder under the system temp dir, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("perfgen-" + std::string(info ? info->name() : "test") + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

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

// Every trial of the plan, materialized.
inline std::vector<MaterializedTrial> materialize_all(const Plan& plan, const Materializer& materializer) {
  return materializer.materialize_range(0, plan.trial_count(), 0);
}

// Every trial of an experiment text (with --set style overrides), materialized.
inline std::vector<MaterializedTrial> trials_of(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  const Experiment e = experiment_from(toml, overrides);
  const Plan plan(e);  // keeps a reference to e
  Materializer materializer(plan);
  return materialize_all(plan, materializer);
}

struct TrainedTrials {
  std::vector<MaterializedTrial> trials;
  std::vector<TrialOutcome> outcomes;
};

// Materializes trials [begin, end) of the plan (end < 0: all) and trains them on the CPU backend.
inline TrainedTrials train_trials(const Plan& plan, std::int64_t begin = 0, std::int64_t end = -1, int threads = 0,
                                  CpuKernel kernel = CpuKernel::vector) {
  Materializer materializer(plan);
  TrainedTrials result;
  result.trials = materializer.materialize_range(begin, end < 0 ? plan.trial_count() : end, 0);
  TrainControl control;
  CpuBackend(threads, kernel).train(result.trials, materializer.evaluation(), result.outcomes, control);
  return result;
}

// Every column of `expected` is in `actual`, bitwise equal (NaN padding included). A file read back
// has the index coordinates (neuron, param) besides.
inline void expect_columns_of(const ColumnGroup& expected, const ColumnGroup& actual) {
  for (const Column& c : expected.columns) {
    SCOPED_TRACE(c.name);
    ASSERT_NE(actual.find(c.name), nullptr);
    const Column& d = actual.at(c.name);
    EXPECT_EQ(c.integer, d.integer);
    ASSERT_EQ(c.real.size(), d.real.size());
    if (!c.real.empty()) EXPECT_EQ(std::memcmp(c.real.data(), d.real.data(), c.real.size() * sizeof(double)), 0);
  }
}

// Every /trials column of two results files is bitwise equal.
inline void expect_same_trials(const std::string& a_path, const std::string& b_path) {
  const ColumnGroup a = read_hdf5_group(a_path, "trials"), b = read_hdf5_group(b_path, "trials");
  EXPECT_EQ(a.columns.size(), b.columns.size());
  expect_columns_of(a, b);
}

// Relative difference that treats two tiny numbers as equal at the absolute floor.
inline double relative_difference(double a, double b, double floor = 1e-300) {
  return std::abs(a - b) / std::max({std::abs(a), std::abs(b), floor});
}

}  // namespace perfgen::testing
