// Value checks for every setting and every sweep axis; the key in each message is the one a user
// would edit. A fixed setting is checked also where a sweep axis replaces it: a wrong value there is
// a mistake all the same, and it is stored in the resolved experiment.
#include "experiment_validation.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "errors.h"
#include "number_text.h"
#include "perfgen/sharpness.h"

namespace perfgen {
namespace {

constexpr std::int64_t kMaxSeed = std::int64_t(1) << 62;
constexpr double kMaxTrials = 1e12;

void require(bool ok, const std::string& key, const std::string& problem) {
  if (!ok) throw InputError(key, problem);
}

void require_finite(double v, const std::string& key) {
  require(std::isfinite(v), key, "must be a finite number, got " + number_text(v));
}

// Runs check(value, key) on the fixed setting and on every value of the axis that may replace it.
template <class T, class Check>
void check_setting_and_axis(T fixed, const std::string& fixed_key, const std::vector<T>& axis,
                            const std::string& sweep_key, Check check) {
  check(fixed, fixed_key);
  for (const T& v : axis) check(v, sweep_key);
}

void check_seed(std::int64_t seed, const std::string& key) {
  require(seed >= 0 && seed < kMaxSeed, key, "must be in [0, 2^62), got " + std::to_string(seed));
}

// P of a network of the model at this width (int64: widths and input_dim are validated one by one,
// before their product is).
std::int64_t params_at_width(const Experiment& e, std::int64_t width) {
  return width * (1 + e.model.input_dim + (e.model.bias ? 1 : 0));
}

// Whether θ0's imbalance c~ is controlled (init.c_tilde or a c_tilde axis), and the key that sets it.
bool controls_c_tilde(const Experiment& e) { return !e.sweep.c_tilde.empty() || !std::isnan(e.init.c_tilde); }
const char* c_tilde_key(const Experiment& e) { return e.sweep.c_tilde.empty() ? "init.c_tilde" : "sweep.c_tilde"; }

// The values a quantity takes: its sweep axis when there is one, else its fixed setting.
template <class T>
std::pair<std::vector<T>, std::string> values_of(const std::vector<T>& axis, T fixed, const std::string& sweep_key,
                                                 const std::string& fixed_key) {
  return axis.empty() ? std::pair{std::vector<T>{fixed}, fixed_key} : std::pair{axis, sweep_key};
}

void validate_model_and_target(const Experiment& e) {
  require(e.model.input_dim >= 1 && e.model.input_dim <= 100000, "model.input_dim",
          "must be in [1, 100000], got " + std::to_string(e.model.input_dim));
  check_setting_and_axis(e.model.width, "model.width", e.sweep.width, "sweep.width", [](int w, const std::string& key) {
    require(w >= 1 && w <= 1000000, key, "must be in [1, 1000000], got " + std::to_string(w));
  });
  require(static_cast<int>(e.target.w.size()) == e.model.input_dim, "target.w",
          "must have model.input_dim = " + std::to_string(e.model.input_dim) + " entries, got " +
              std::to_string(e.target.w.size()));
  require_finite(e.target.a, "target.a");
  require_finite(e.target.b, "target.b");
  for (double w : e.target.w) require_finite(w, "target.w");
  double norm = e.target.b * e.target.b * (e.model.bias ? 1 : 0);
  for (double w : e.target.w) norm += w * w;
  require(norm > 0.0, "target.w", "the target's w̃0 must not be zero (the branch test measures distances to it)");
}

void validate_data(const Experiment& e) {
  const DataSettings& d = e.data;
  require_finite(d.lo, "data.range");
  require_finite(d.hi, "data.range");
  require(d.lo < d.hi, "data.range", "needs lo < hi");
  require(d.distribution != Distribution::grid || e.model.input_dim == 1, "data.distribution",
          "\"grid\" needs model.input_dim = 1 (got " + std::to_string(e.model.input_dim) + ")");
  const int available = static_cast<int>(d.points.size()) / e.model.input_dim;
  check_setting_and_axis(d.n, "data.n", e.sweep.n, "sweep.n", [&](int n, const std::string& key) {
    require(n >= 1 && n <= 1000000, key, "must be in [1, 1000000], got " + std::to_string(n));
    require(d.distribution != Distribution::points || n <= available, key,
            "n = " + std::to_string(n) + " exceeds the " + std::to_string(available) + " points in data.x");
  });
  if (d.distribution == Distribution::points) {
    require(!d.points.empty() && d.points.size() % e.model.input_dim == 0, "data.x",
            "needs points of model.input_dim coordinates each");
    for (double v : d.points) require_finite(v, "data.x");
  }
  check_setting_and_axis(d.seed, "data.seed", e.sweep.data_seed, "sweep.data_seed", check_seed);
}

void validate_init(const Experiment& e) {
  const InitSettings& in = e.init;
  check_setting_and_axis(in.scale, "init.scale", e.sweep.init_scale, "sweep.init_scale",
                         [](double s, const std::string& key) {
                           require_finite(s, key);
                           require(s >= 0.0, key, "must be >= 0, got " + number_text(s));
                         });
  check_setting_and_axis(in.seed, "init.seed", e.sweep.init_seed, "sweep.init_seed", check_seed);
  auto check_c_tilde = [](double c, const std::string& key) {
    require(c >= 0.0 && c <= 1.0, key, "must be in [0, 1], got " + number_text(c));
  };
  if (!std::isnan(in.c_tilde)) check_c_tilde(in.c_tilde, "init.c_tilde");  // NaN: not set
  for (double c : e.sweep.c_tilde) check_c_tilde(c, "sweep.c_tilde");
  const auto [scales, scale_key] = values_of(e.sweep.init_scale, in.scale, "sweep.init_scale", "init.scale");
  const auto c_key = c_tilde_key(e);
  const bool controls_c = controls_c_tilde(e);
  const bool has_profile = !std::isnan(in.ratio_start) || !std::isnan(in.ratio_step);
  const auto widths = values_of(e.sweep.width, e.model.width, "", "").first;
  if (controls_c) {
    for (int w : widths)
      require(w == 2, c_key,
              "needs width 2 (got width " + std::to_string(w) +
                  "); use init.ratio_start and init.ratio_step for wider nets");
    require(!has_profile, c_key, "cannot be combined with init.ratio_start / init.ratio_step");
  }
  if (has_profile) {
    require(!std::isnan(in.ratio_start) && !std::isnan(in.ratio_step), "init.ratio_start",
            "init.ratio_start and init.ratio_step go together");
    require_finite(in.ratio_start, "init.ratio_start");
    require_finite(in.ratio_step, "init.ratio_step");
  }
  if (controls_c || has_profile)
    for (double s : scales) require(s > 0.0, scale_key, "imbalance control needs a scale > 0 (θ0 = 0 has no ratio)");
  if (!in.direction.empty()) {
    for (double v : in.direction) require_finite(v, "init.direction");
    for (int w : widths) {
      const std::int64_t params = params_at_width(e, w);
      require(static_cast<std::int64_t>(in.direction.size()) == params, "init.direction",
              "must have P = " + std::to_string(params) + " entries for width " + std::to_string(w) + ", got " +
                  std::to_string(in.direction.size()));
    }
  }
}

// Gradient flow integrates with the exact Hessian (include/perfgen/flow.h), and has no learning rate.
void validate_flow(const Experiment& e) {
  require(e.sweep.lr.empty(), "sweep.lr", "has no effect under train.method = \"flow\" (no learning rate); remove it");
  const auto widths = values_of(e.sweep.width, e.model.width, "", "").first;
  for (int w : widths) {
    const std::int64_t params = params_at_width(e, w);
    require(params <= kExactHessianMaxParams, e.sweep.width.empty() ? "model.width" : "sweep.width",
            "train.method = \"flow\" supports networks of at most " + std::to_string(kExactHessianMaxParams) +
                " parameters (it uses the exact Hessian); width " + std::to_string(w) + " × (1 + input_dim " +
                std::to_string(e.model.input_dim) + (e.model.bias ? " + bias" : "") + ") = " + std::to_string(params));
  }
}

void validate_train_and_eval(const Experiment& e) {
  const TrainSettings& t = e.train;
  check_setting_and_axis(t.lr, "train.lr", e.sweep.lr, "sweep.lr", [](double lr, const std::string& key) {
    require_finite(lr, key);
    require(lr > 0.0, key, "must be > 0, got " + number_text(lr));
  });
  check_setting_and_axis(t.max_iters, "train.max_iters", e.sweep.max_iters, "sweep.max_iters",
                         [](std::int64_t it, const std::string& key) {
                           require(it >= 0, key, "must be >= 0, got " + std::to_string(it));
                         });
  require_finite(t.loss_tol, "train.loss_tol");
  require(t.loss_tol >= 0.0, "train.loss_tol", "must be >= 0");
  require_finite(t.grad_tol, "train.grad_tol");
  require(t.grad_tol >= 0.0, "train.grad_tol", "must be >= 0");
  require(t.divergence_loss > 0.0, "train.divergence_loss", "must be > 0");
  require(t.rtol >= 1e-14 && t.rtol < 1.0, "train.rtol", "must be in [1e-14, 1), got " + number_text(t.rtol));
  require(std::isfinite(t.atol) && t.atol >= 0.0, "train.atol",
          "must be a finite number >= 0, got " + number_text(t.atol));
  require(std::isfinite(t.max_time) && t.max_time > 0.0, "train.max_time",
          "must be a finite number > 0, got " + number_text(t.max_time));
  if (t.method == TrainMethod::flow) validate_flow(e);
  const EvalSettings& v = e.eval;
  require(v.test_points >= 1 && v.test_points <= 10000000, "eval.test_points",
          "must be in [1, 10^7], got " + std::to_string(v.test_points));
  require(v.recovery_threshold > 0.0 && std::isfinite(v.recovery_threshold), "eval.recovery_threshold", "must be > 0");
  require(v.on_target_tol > 0.0 && std::isfinite(v.on_target_tol), "eval.on_target_tol", "must be > 0");
  require(v.silent_tol > 0.0 && std::isfinite(v.silent_tol), "eval.silent_tol", "must be > 0");
  check_seed(v.test_seed, "eval.test_seed");
  require(e.run.batch_size >= 1, "run.batch_size", "must be >= 1");
}

void validate_trajectories(const Experiment& e, double trials) {
  const TrajectorySettings& t = e.trajectories;
  require(t.checkpoints >= 2 && t.checkpoints <= 100000, "trajectories.checkpoints",
          "must be in [2, 100000], got " + std::to_string(t.checkpoints));
  for (std::int64_t trial : t.trials)
    require(trial >= 0 && static_cast<double>(trial) < trials, "trajectories.trials",
            "trial " + std::to_string(trial) + " is not in the plan (0 to " + number_text(trials - 1) + ")");
}

// The kernels index a trial's parameters, its n × d inputs, its scratch (at most 5·P + n·(2m + 1)
// doubles: the sharpness's vectors beside training's activations) and the test set's inputs with int:
// each must stay below 2^31 (each bound alone allows more).
void validate_network_size(const Experiment& e) {
  constexpr std::int64_t kMostIndex = std::numeric_limits<int>::max();
  const auto [widths, width_key] = values_of(e.sweep.width, e.model.width, "sweep.width", "model.width");
  const auto [sizes, n_key] = values_of(e.sweep.n, e.data.n, "sweep.n", "data.n");
  const std::int64_t m = *std::max_element(widths.begin(), widths.end());
  const std::int64_t n = *std::max_element(sizes.begin(), sizes.end()), d = e.model.input_dim;
  const std::int64_t params = params_at_width(e, m);
  auto limit = [](const std::string& what, std::int64_t value) {
    return what + " = " + number_text(static_cast<double>(value)) +
           ", more than the 2^31 - 1 elements the kernels can index";
  };
  require(
      params <= kMostIndex, width_key,
      "width " + std::to_string(m) + " with model.input_dim = " + std::to_string(d) + " gives " + limit("P", params));
  require(n * d <= kMostIndex, n_key,
          "n = " + std::to_string(n) + " samples of dimension " + std::to_string(d) + " give " + limit("n·d", n * d));
  require(5 * params + n * (2 * m + 1) <= kMostIndex, n > 2 * m + 1 ? n_key : width_key,  // the larger factor
          "width " + std::to_string(m) + " with n = " + std::to_string(n) + " needs a scratch space of " +
              limit("5·P + n·(2·width + 1)", 5 * params + n * (2 * m + 1)) + " (doubles per trial)");
  require(e.eval.test_points * d <= kMostIndex, "eval.test_points",
          std::to_string(e.eval.test_points) + " test points of dimension " + std::to_string(d) + " give " +
              limit("test_points·d", e.eval.test_points * d));
}

void validate_size(const Experiment& e) {
  validate_network_size(e);
  const SweepAxes& s = e.sweep;
  double trials = 1.0;
  for (std::size_t len : {s.n.size(), s.width.size(), s.activation.size(), s.init_scale.size(), s.c_tilde.size(),
                          s.lr.size(), s.max_iters.size(), s.data_seed.size(), s.init_seed.size()})
    trials *= static_cast<double>(std::max<std::size_t>(len, 1));
  validate_trajectories(e, trials);
  require(trials <= kMaxTrials, "sweep",
          "the sweep has " + number_text(trials) + " trials, more than the limit of 10^12");
}

// Why the data seed changes nothing, or empty when it matters.
std::string why_data_seed_is_idle(const Experiment& e) {
  const Distribution d = e.data.distribution;
  if (d != Distribution::grid && d != Distribution::points) return "";
  return std::string("data.distribution = \"") + distribution_name(d) + "\" draws no random numbers";
}

// Why the init seed changes nothing in any cell, or empty when it matters somewhere.
std::string why_init_seed_is_idle(const Experiment& e) {
  if (!e.init.direction.empty()) return "init.direction is given, so θ0 draws no random numbers";
  const auto [scales, key] = values_of(e.sweep.init_scale, e.init.scale, "sweep.init_scale", "init.scale");
  if (std::all_of(scales.begin(), scales.end(), [](double s) { return s == 0.0; }))
    return key + " = 0 makes θ0 = 0 whatever the seed";
  return "";
}

// "AXIS has V values but REASON: the T trials of CELLS are identical (or: at most D distinct ones), and
// the recovery interval counts them as T independent trials".
std::string idle_seed_warning(const std::string& axis, std::size_t values, const std::string& reason,
                              const std::string& cells, std::size_t trials_per_cell, std::size_t distinct) {
  const std::string trials = std::to_string(trials_per_cell);
  return axis + " has " + std::to_string(values) + " values but " + reason + ": the " + trials + " trials of " + cells +
         " are " + (distinct == 1 ? "identical" : "at most " + std::to_string(distinct) + " distinct ones") +
         ", and the recovery interval counts them as " + trials + " independent trials";
}

// "AXIS lists V values but D distinct ones (S more than once): …" for a seed axis that repeats a seed,
// whose copies train the same trial again; empty when every seed is distinct.
std::string repeated_seed_warning(const std::vector<std::int64_t>& seeds, const std::string& axis) {
  std::vector<std::int64_t> sorted = seeds;
  std::sort(sorted.begin(), sorted.end());
  const auto repeat = std::adjacent_find(sorted.begin(), sorted.end());
  if (repeat == sorted.end()) return "";
  const auto distinct = static_cast<std::size_t>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
  return axis + " lists " + std::to_string(seeds.size()) + " values but " + std::to_string(distinct) +
         " distinct ones (" + std::to_string(*repeat) +
         " more than once): a repeated seed trains the same trials again, and the recovery interval counts the "
         "copies as independent trials";
}

}  // namespace

std::vector<std::string> experiment_warnings(const Experiment& e) {
  const std::size_t data_seeds = std::max<std::size_t>(e.sweep.data_seed.size(), 1);
  const std::size_t init_seeds = std::max<std::size_t>(e.sweep.init_seed.size(), 1);
  const std::size_t per_cell = data_seeds * init_seeds;
  const std::string data_idle = why_data_seed_is_idle(e), init_idle = why_init_seed_is_idle(e);
  // Distinct trials of a cell: the product of the seed axes that change something there.
  const std::size_t distinct_data = data_idle.empty() ? data_seeds : 1;
  const std::size_t distinct_init = init_idle.empty() ? init_seeds : 1;
  std::vector<std::string> warnings;
  for (const auto& [seeds, axis] :
       {std::pair{&e.sweep.data_seed, "sweep.data_seed"}, {&e.sweep.init_seed, "sweep.init_seed"}})
    if (std::string repeated = repeated_seed_warning(*seeds, axis); !repeated.empty())
      warnings.push_back(std::move(repeated));
  if (data_seeds > 1 && !data_idle.empty())
    warnings.push_back(
        idle_seed_warning("sweep.data_seed", data_seeds, data_idle, "each cell", per_cell, distinct_init));
  if (init_seeds > 1 && !init_idle.empty())
    warnings.push_back(
        idle_seed_warning("sweep.init_seed", init_seeds, init_idle, "each cell", per_cell, distinct_data));
  const auto& scales = e.sweep.init_scale;
  if (init_seeds > 1 && init_idle.empty() && std::find(scales.begin(), scales.end(), 0.0) != scales.end())
    warnings.push_back(idle_seed_warning("sweep.init_seed", init_seeds,
                                         "sweep.init_scale = 0 makes θ0 = 0 whatever the seed",
                                         "each cell with init_scale = 0", per_cell, distinct_data));
  // Not idle but nearly so: at a small scale a trial follows C/‖C‖ (Theorem 1), which c~ fixes. Measured
  // on the default experiment (docs/EXPERIMENT_FILE.md): every init seed of a data seed gave the same
  // recovery and branch at init.scale ≤ 1e-6; at 1e-3 some differed. The ratio profile of wider nets
  // fixes C/‖C‖ too, but was not measured, so it is not warned about.
  const auto [all_scales, scale_key] = values_of(e.sweep.init_scale, e.init.scale, "sweep.init_scale", "init.scale");
  if (init_seeds > 1 && init_idle.empty() && controls_c_tilde(e) &&
      *std::max_element(all_scales.begin(), all_scales.end()) <= 1e-6)
    warnings.push_back("sweep.init_seed has " + std::to_string(init_seeds) + " values but " + c_tilde_key(e) +
                       " fixes the imbalance and " + scale_key +
                       " ≤ 1e-6: a trial then follows C/‖C‖ (Theorem 1), so the init seeds of a data "
                       "seed give nearly the same trial (on Example 1: the same recovery and branch), and the "
                       "recovery interval counts them as independent trials; " +
                       (data_idle.empty() ? std::string("sweep.data_seed gives independent ones")
                                          : "random data (gaussian or uniform) over sweep.data_seed gives "
                                            "independent ones"));
  for (const auto& [setting, axis] : e.sweep.replaced)
    warnings.push_back(setting + " is set but not used: " + axis + " gives every cell its own value");
  const TrainSettings defaults;
  if (e.train.method == TrainMethod::gd &&
      (e.train.rtol != defaults.rtol || e.train.atol != defaults.atol || e.train.max_time != defaults.max_time))
    warnings.push_back(
        "train.rtol, train.atol and train.max_time apply to train.method = \"flow\"; gradient "
        "descent ignores them (it stops at train.max_iters)");
  if (e.train.method == TrainMethod::flow && e.train.lr != defaults.lr)
    warnings.push_back(
        "train.lr is gradient descent's step; train.method = \"flow\" ignores it (its steps are adaptive, "
        "within train.rtol and train.atol)");
  // A misspecified target may be the experiment (as a target activation other than the model's), but
  // target.b's default of 1 makes one silently as soon as model.bias is turned off.
  if (!e.model.bias && e.target.b != 0.0)
    warnings.push_back("target.b = " + number_text(e.target.b) +
                       " but model.bias = false: no network of this model equals the target a0 σ(w0·x + b0), so "
                       "no trial can recover it (target.b = 0 gives the target without bias)");
  return warnings;
}

void validate_experiment(const Experiment& e) {
  require(!e.name.empty(), "name", "must not be empty");
  // It names the output file and is stored as a C string: a NUL would cut both short.
  require(std::none_of(e.name.begin(), e.name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }),
          "name", "must not hold control characters");
  validate_model_and_target(e);
  validate_data(e);
  validate_init(e);
  validate_train_and_eval(e);
  validate_size(e);
}

}  // namespace perfgen
