// Helpers shared by the test suites: temporary folders and experiments from inline TOML.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include "cpu_backend.h"
#include "experiment_file.h"
#include "materialize.h"

namespace perfgen::testing {

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

inline Experiment experiment_from(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  return load_experiment(toml, "<test>", overrides);
}

struct TrainedTrials {
  std::vector<MaterializedTrial> trials;
  std::vector<TrialOutcome> outcomes;
};

// Materializes trials [begin, end) of the plan (end < 0: all) and trains them on the CPU backend.
inline TrainedTrials train_trials(const Plan& plan, std::int64_t begin = 0, std::int64_t end = -1, int threads = 0) {
  Materializer materializer(plan);
  TrainedTrials result;
  for (std::int64_t t = begin; t < (end < 0 ? plan.trial_count() : end); ++t)
    result.trials.push_back(materializer.materialize(t));
  TrainControl control;
  CpuBackend(threads).train(result.trials, materializer.evaluation(), result.outcomes, control);
  return result;
}

// Relative difference that treats two tiny numbers as equal at the absolute floor.
inline double relative_difference(double a, double b, double floor = 1e-300) {
  return std::abs(a - b) / std::max({std::abs(a), std::abs(b), floor});
}

}  // namespace perfgen::testing
