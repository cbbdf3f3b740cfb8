// A validated experiment: every setting of the experiment file, defaults filled in.
// Parsing lives in host/config/experiment_file.cpp, validation in experiment_validation.cpp; nothing
// here knows TOML.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "perfgen/activation.h"
#include "perfgen/network.h"
#include "perfgen/training.h"

namespace perfgen {

enum class Distribution : std::int8_t { grid = 0, gaussian = 1, uniform = 2, points = 3 };

inline constexpr double kUnset = std::numeric_limits<double>::quiet_NaN();

struct TargetSettings {
  double a = 1.0;
  std::vector<double> w{1.0};
  double b = 1.0;
  Activation activation = Activation::tanh;  // defaults to the model's
};

struct DataSettings {
  Distribution distribution = Distribution::grid;
  double lo = -2.0, hi = 2.0;
  int n = 6;
  std::int64_t seed = 0;
  std::vector<double> points;  // `points` distribution: row-major, count × input_dim
};

struct InitSettings {
  double scale = 1e-8;
  std::int64_t seed = 0;
  std::vector<double> direction;  // z of θ0 = s·z when given (length P); else z ~ N(0, I)
  double c_tilde = kUnset;        // m = 2 imbalance control: r_2 = c_tilde
  double ratio_start = kUnset;    // m > 2 profile: r_k = start + step·(k − 2), k ≥ 2
  double ratio_step = kUnset;
};

struct EvalSettings {
  int test_points = 1000;
  double recovery_threshold = 1e-8;
  std::int64_t test_seed = 0;
  double on_target_tol = 1e-3;
  double silent_tol = 1e-3;
};

// How an axis was written when it was not a list: { range = [start, stop(, step)] },
// { linspace = [a, b, count] } or { logspace = [a, b, count] }.
struct AxisSpec {
  std::string form;
  std::vector<double> args;
};

// Each non-empty list is a sweep axis that replaces the fixed setting of the same quantity.
struct SweepAxes {
  std::vector<int> n;
  std::vector<int> width;
  std::vector<Activation> activation;
  std::vector<double> init_scale;
  std::vector<double> c_tilde;
  std::vector<double> lr;
  std::vector<std::int64_t> max_iters;
  std::vector<std::int64_t> data_seed;
  std::vector<std::int64_t> init_seed;
  std::map<std::string, AxisSpec> written;  // by key ("c_tilde"): axes given as a spec, kept so in the config
  // Settings the file or --set gives, other than their defaults, that an axis replaces in every cell:
  // {"init.c_tilde", "sweep.c_tilde"}.
  std::vector<std::pair<std::string, std::string>> replaced;
};

// Which trials record loss and parameters at log-spaced checkpoints (/trajectories).
struct TrajectorySettings {
  bool all = false;                  // every trial
  std::vector<std::int64_t> trials;  // or these trial indices
  int checkpoints = 64;              // log-spaced iterations between 1 and max_iters, plus 0 and the last
  bool theta = true;                 // record θ with the loss (false: loss and times only)

  bool records(std::int64_t trial) const;
};

struct RunSettings {
  int batch_size = 1024;  // trials per shard
};

struct Experiment {
  std::string name = "experiment";
  NetShape model;  // width and activation may be swept (Cell)
  TargetSettings target;
  DataSettings data;
  InitSettings init;
  TrainSettings train;
  EvalSettings eval;
  SweepAxes sweep;
  RunSettings run;
  TrajectorySettings trajectories;
  std::string resolved_toml;  // every setting, defaults included: stored in the file, hashed for --resume
};

inline bool TrajectorySettings::records(std::int64_t trial) const {
  if (all) return true;
  for (std::int64_t t : trials)
    if (t == trial) return true;
  return false;
}

inline const char* activation_name(Activation a) { return kActivationNames[static_cast<int>(a)]; }
inline const char* train_method_name(TrainMethod m) { return kTrainMethodNames[static_cast<int>(m)]; }
inline const char* loss_name(LossKind k) {
  return k == LossKind::half_sum ? "half_sum" : k == LossKind::half_mean ? "half_mean" : "mse";
}
inline const char* distribution_name(Distribution d) {
  switch (d) {
    case Distribution::grid:
      return "grid";
    case Distribution::gaussian:
      return "gaussian";
    case Distribution::uniform:
      return "uniform";
    default:
      return "points";
  }
}

}  // namespace perfgen
