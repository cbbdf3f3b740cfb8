// Builds /trials: identity and sweep coordinates, Theorem-1 quantities of θ0, and outcomes.
#include "results_schema.h"

#include <algorithm>
#include <limits>

namespace perfgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A [trial, dim] matrix; row i has the entries row_of(i) padded with NaN to `width`.
template <class RowOf>
void add_matrix(ColumnGroup& g, const char* name, const char* dim, std::size_t rows, std::size_t width,
                const char* long_name, RowOf row_of) {
  Column c;
  c.name = name;
  c.dims = {"trial", dim};
  c.shape = {rows, width};
  c.long_name = long_name;
  c.real.assign(rows * width, kNaN);
  for (std::size_t i = 0; i < rows; ++i) {
    const std::vector<double>& row = row_of(i);
    std::copy(row.begin(), row.end(), c.real.begin() + i * width);
  }
  g.columns.push_back(std::move(c));
}

}  // namespace

void mark_enum(ColumnGroup& g, const char* meanings, std::vector<std::int64_t> values) {
  g.columns.back().flag_meanings = meanings;
  g.columns.back().flag_values = std::move(values);
}

ColumnGroup trial_columns(const Plan& plan, const std::vector<MaterializedTrial>& trials,
                          const std::vector<TrialOutcome>& outcomes, const std::vector<std::size_t>* selected) {
  using T = ColumnType;
  const std::size_t rows = selected ? selected->size() : trials.size();
  ColumnGroup g;
  g.name = "trials";
  auto at = [&](std::size_t i) { return selected ? (*selected)[i] : i; };
  auto trial = [&](std::size_t i) -> const MaterializedTrial& { return trials[at(i)]; };
  auto cell = [&](std::size_t i) -> const Cell& { return plan.cells()[trial(i).id.cell]; };
  auto t1 = [&](std::size_t i) -> const Theorem1Quantities& { return trial(i).theorem1; };
  auto out = [&](std::size_t i) -> const TrialOutcome& { return outcomes[at(i)]; };
  add_column(g, "trial", T::i64, "trial", rows, "trial index in the plan", "",
             [&](auto i) { return trial(i).id.index; });
  add_column(g, "cell", T::i64, "trial", rows, "cell index (row of /cells)", "",
             [&](auto i) { return trial(i).id.cell; });
  add_column(g, "data_seed", T::i64, "trial", rows, "seed of the data stream", "",
             [&](auto i) { return trial(i).id.data_seed; });
  add_column(g, "init_seed", T::i64, "trial", rows, "seed of the initialization stream", "",
             [&](auto i) { return trial(i).id.init_seed; });
  add_column(g, "n", T::i32, "trial", rows, "sample size", "", [&](auto i) { return cell(i).n; });
  add_column(g, "width", T::i32, "trial", rows, "network width m", "", [&](auto i) { return cell(i).width; });
  add_column(g, "activation", T::i8, "trial", rows, "activation function", "",
             [&](auto i) { return int(cell(i).activation); });
  mark_enum(g, kActivationNames);
  add_column(g, "init_scale", T::f64, "trial", rows, "initialization scale s (theta0 = s z)", "",
             [&](auto i) { return cell(i).init_scale; });
  add_column(g, "lr", T::f64, "trial", rows, "learning rate", "time per step", [&](auto i) { return cell(i).lr; });
  add_column(g, "max_iters", T::i64, "trial", rows, "iteration budget", "steps",
             [&](auto i) { return cell(i).max_iters; });
  add_column(g, "status", T::i8, "trial", rows, "why training stopped", "",
             [&](auto i) { return int(out(i).train.status); });
  mark_enum(g, kTrainStatusNames);
  add_column(g, "iterations", T::i64, "trial", rows, "gradient steps taken (gradient flow: accepted integrator steps)",
             "steps", [&](auto i) { return out(i).train.iterations; });
  add_column(g, "trained_on", T::i8, "trial", rows, "backend that trained the trial (cuda_then_cpu: handed over)", "",
             [&](auto i) { return int(out(i).trained_on); });
  mark_enum(g, kTrainedOnNames);
  add_column(g, "final_time", T::f64, "trial", rows, "time t at the end (lr * iterations for gradient descent)", "time",
             [&](auto i) { return training_time(trial(i).train, out(i).train); });
  add_column(g, "final_loss", T::f64, "trial", rows, "training loss at the final parameters", "",
             [&](auto i) { return out(i).train.final_loss; });
  add_column(g, "grad_norm", T::f64, "trial", rows, "norm of the loss gradient at the final parameters", "",
             [&](auto i) { return out(i).train.grad_norm; });
  add_column(g, "gen_error", T::f64, "trial", rows, "mean squared error to the target on the test set", "",
             [&](auto i) { return out(i).generalization.mean_squared; });
  add_column(g, "gen_max_abs", T::f64, "trial", rows, "max absolute error to the target on the test set", "",
             [&](auto i) { return out(i).generalization.max_abs; });
  add_column(g, "sharpness", T::f64, "trial", rows, "top eigenvalue of the loss Hessian at the final parameters", "",
             [&](auto i) { return out(i).sharpness; });
  add_column(g, "lr_times_sharpness", T::f64, "trial", rows,
             "lr * sharpness: GD is stable near a minimum below 2 (NaN for gradient flow)", "",
             [&](auto i) { return trial(i).train.method == TrainMethod::flow ? kNaN : cell(i).lr * out(i).sharpness; });
  add_column(g, "recovered", T::i8, "trial", rows, "gen_error below the recovery threshold", "",
             [&](auto i) { return int(out(i).recovered); });
  mark_enum(g, "false true", {0, 1});
  add_column(g, "branch", T::i8, "trial", rows, "piece of the target set the final parameters sit on", "",
             [&](auto i) { return int(out(i).branch.branch); });
  mark_enum(g, kBranchNames);
  add_column(g, "k_on", T::i32, "trial", rows, "active neurons on the target direction", "",
             [&](auto i) { return out(i).branch.on; });
  add_column(g, "k_silent", T::i32, "trial", rows, "neurons with |a_k| or |w~_k|/|w~0| below silent_tol", "",
             [&](auto i) { return out(i).branch.silent; });
  add_column(g, "k_other", T::i32, "trial", rows, "neurons neither on target nor silent", "",
             [&](auto i) { return out(i).branch.other; });
  const auto weight_dim = static_cast<std::size_t>(plan.shape(plan.cells().front()).weight_dim());
  add_matrix(
      g, "gamma", "weight", rows, weight_dim,
      "gamma = sum_i y_i x~_i (w~ layout: w then b)", [&](auto i) -> const auto& { return t1(i).gamma; });
  add_column(g, "gamma_norm", T::f64, "trial", rows, "norm of gamma = sum_i y_i x~_i", "",
             [&](auto i) { return t1(i).gamma_norm; });
  add_column(g, "mu1", T::f64, "trial", rows, "top eigenvalue of -Hess loss(0) (Theorem 1 rate)", "1/time",
             [&](auto i) { return t1(i).mu1; });
  add_column(g, "mu_gd", T::f64, "trial", rows, "discrete-GD escape rate ln(1 + lr mu1)/lr", "1/time",
             [&](auto i) { return t1(i).mu_gd; });
  add_column(g, "log_C_norm", T::f64, "trial", rows, "natural log of the norm of C(theta0)", "",
             [&](auto i) { return t1(i).log_C_norm; });
  add_column(g, "c", T::f64, "trial", rows, "imbalance ratio C_1/C_2 of theta0", "", [&](auto i) { return t1(i).c; });
  add_column(g, "c_tilde", T::f64, "trial", rows, "min(|c|, |1/c|) of theta0", "",
             [&](auto i) { return t1(i).c_tilde; });
  // The measured c_tilde above is the requested one up to rounding (0.4999999999999999 for 0.5):
  // select trials on the requested value, exactly the cell's axis value.
  add_column(g, "c_tilde_requested", T::f64, "trial", rows, "requested imbalance ratio c~ (NaN: not controlled)", "",
             [&](auto i) { return cell(i).c_tilde; });
  for (Column& c : g.columns)  // xarray then opens c_tilde_requested as a coordinate of the trials
    if (c.name == "c_tilde") c.coordinates = "c_tilde_requested";
  add_column(g, "aligned_time_offset", T::f64, "trial", rows, "t_aligned - t = ln(|C|/|gamma|)/mu_gd", "time",
             [&](auto i) { return t1(i).aligned_time_offset(t1(i).mu_gd); });
  add_column(g, "aligned_time_offset_mu1", T::f64, "trial", rows, "t_aligned - t with mu1 in place of mu_gd", "time",
             [&](auto i) { return t1(i).aligned_time_offset(t1(i).mu1); });
  add_column(g, "final_aligned_time", T::f64, "trial", rows, "final_time + aligned_time_offset", "time", [&](auto i) {
    return training_time(trial(i).train, out(i).train) + t1(i).aligned_time_offset(t1(i).mu_gd);
  });
  const std::size_t neurons = static_cast<std::size_t>(plan.max_width());
  const std::size_t params = static_cast<std::size_t>(plan.max_params());
  add_matrix(
      g, "C", "neuron", rows, neurons,
      "C_k(theta0) = a_k |gamma| + sign(sigma'(0)) w~_k . gamma", [&](auto i) -> const auto& { return t1(i).C; });
  add_matrix(
      g, "final_a", "neuron", rows, neurons,
      "final output weight a_k", [&](auto i) -> const auto& { return out(i).final_a; });
  add_matrix(
      g, "target_distance", "neuron", rows, neurons,
      "min |w~_k -+ w~0| / |w~0| at the end", [&](auto i) -> const auto& { return out(i).distance; });
  add_matrix(
      g, "theta0", "param", rows, params,
      "initial parameters (a_k, w_k, b_k) neuron-major", [&](auto i) -> const auto& { return trial(i).theta0; });
  add_matrix(
      g, "theta", "param", rows, params,
      "final parameters (a_k, w_k, b_k) neuron-major", [&](auto i) -> const auto& { return out(i).theta; });
  return g;
}

ColumnGroup trajectory_columns(const Plan& plan, const std::vector<MaterializedTrial>& trials,
                               const std::vector<TrialOutcome>& outcomes, const std::vector<std::size_t>* selected) {
  ColumnGroup g;
  g.name = "trajectories";
  std::vector<std::size_t> rows;  // indices into trials and outcomes
  for (std::size_t k = 0; k < (selected ? selected->size() : outcomes.size()); ++k) {
    const std::size_t i = selected ? (*selected)[k] : k;
    if (!outcomes[i].trajectory.iterations.empty()) rows.push_back(i);
  }
  if (rows.empty()) return g;
  // Room for every checkpoint plus an early stop: the same width in every shard.
  const std::size_t width = static_cast<std::size_t>(plan.experiment().trajectories.checkpoints) + 2;
  const std::size_t params = static_cast<std::size_t>(plan.max_params()), count = rows.size();
  add_column(g, "traj", ColumnType::i64, "traj", count, "trial index in the plan (row of /trials)", "",
             [&](auto r) { return trials[rows[r]].id.index; });
  auto per_checkpoint = [&](const char* name, ColumnType type, const char* long_name, const char* units,
                            auto value_of) {  // value_of(row, k) for the k-th recorded point
    Column c;
    c.name = name;
    c.type = type;
    c.dims = {"traj", "checkpoint"};
    c.shape = {count, width};
    c.long_name = long_name;
    c.units = units;
    if (type == ColumnType::f64)
      c.real.assign(count * width, kNaN);
    else
      c.integer.assign(count * width, -1);
    for (std::size_t r = 0; r < count; ++r)
      for (std::size_t k = 0; k < outcomes[rows[r]].trajectory.iterations.size(); ++k) {
        if (type == ColumnType::f64)
          c.real[r * width + k] = value_of(r, k);
        else
          c.integer[r * width + k] = static_cast<std::int64_t>(value_of(r, k));
      }
    g.columns.push_back(std::move(c));
  };
  auto iteration = [&](std::size_t r, std::size_t k) { return outcomes[rows[r]].trajectory.iterations[k]; };
  auto time = [&](std::size_t r, std::size_t k) {
    const Trajectory& t = outcomes[rows[r]].trajectory;
    return t.times.empty() ? trials[rows[r]].train.lr * iteration(r, k) : t.times[k];
  };
  per_checkpoint("iteration", ColumnType::i64, "iteration (flow: integrator step) of the recorded point (-1: none)", "",
                 iteration);
  per_checkpoint("time", ColumnType::f64, "t of the recorded point (lr * iteration for gradient descent)", "time",
                 time);
  per_checkpoint("aligned_time", ColumnType::f64, "t + ln(|C|/|gamma|)/mu_gd (Theorem 1)", "time", [&](auto r, auto k) {
    return time(r, k) + trials[rows[r]].theorem1.aligned_time_offset(trials[rows[r]].theorem1.mu_gd);
  });
  per_checkpoint("aligned_time_mu1", ColumnType::f64, "t + ln(|C|/|gamma|)/mu1", "time", [&](auto r, auto k) {
    return time(r, k) + trials[rows[r]].theorem1.aligned_time_offset(trials[rows[r]].theorem1.mu1);
  });
  per_checkpoint("loss", ColumnType::f64, "training loss at the recorded point", "",
                 [&](auto r, auto k) { return outcomes[rows[r]].trajectory.losses[k]; });
  if (!plan.experiment().trajectories.theta) return g;
  Column theta;
  theta.name = "theta";
  theta.dims = {"traj", "checkpoint", "param"};
  theta.shape = {count, width, params};
  theta.long_name = "parameters (a_k, w_k, b_k) neuron-major at the recorded point";
  theta.real.assign(count * width * params, kNaN);
  for (std::size_t r = 0; r < count; ++r) {
    const Trajectory& t = outcomes[rows[r]].trajectory;
    const std::size_t p = t.thetas.size() / t.iterations.size();
    for (std::size_t k = 0; k < t.iterations.size(); ++k)
      std::copy_n(t.thetas.begin() + k * p, p, theta.real.begin() + (r * width + k) * params);
  }
  g.columns.push_back(std::move(theta));
  return g;
}

std::vector<ColumnGroup> result_groups(const Plan& plan, const std::vector<MaterializedTrial>& trials,
                                       const std::vector<TrialOutcome>& outcomes,
                                       const std::vector<std::size_t>* selected) {
  std::vector<ColumnGroup> groups{trial_columns(plan, trials, outcomes, selected)};
  ColumnGroup trajectories = trajectory_columns(plan, trials, outcomes, selected);
  if (!trajectories.columns.empty()) groups.push_back(std::move(trajectories));
  return groups;
}

}  // namespace perfgen
