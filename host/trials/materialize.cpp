// Materialization: data from the data stream of data_seed (the first n points, so the datasets of
// one seed are nested across n), θ0 = s·z with z from the init stream of init_seed (or the given
// direction), then imbalance control and the Theorem-1 quantities.
#include "materialize.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "parallel.h"
#include "perfgen/theorem1.h"
#include "random_streams.h"

namespace perfgen {
namespace {

std::vector<double> evenly_spaced(double lo, double hi, int count) {
  std::vector<double> x(count);
  for (int i = 0; i < count; ++i) x[i] = count == 1 ? 0.5 * (lo + hi) : lo + (hi - lo) * i / (count - 1);
  return x;
}

std::vector<double> test_inputs(const Experiment& e) {
  const int count = e.eval.test_points, d = e.model.input_dim;
  const std::size_t draws = static_cast<std::size_t>(count) * d;
  switch (e.data.distribution) {
    case Distribution::grid:
      return evenly_spaced(e.data.lo, e.data.hi, count);
    case Distribution::gaussian:
      return normal_draws(StreamPurpose::test, e.eval.test_seed, draws);
    default: {  // uniform, and points (whose distribution is unknown: uniform on the range)
      std::vector<double> x = uniform_draws(StreamPurpose::test, e.eval.test_seed, draws);
      for (double& v : x) v = e.data.lo + (e.data.hi - e.data.lo) * v;
      return x;
    }
  }
}

std::vector<double> imbalance_ratios(const Experiment& e, const Cell& cell) {
  std::vector<double> ratios;
  if (!std::isnan(cell.c_tilde)) {
    ratios = {1.0, cell.c_tilde};
  } else if (!std::isnan(e.init.ratio_start)) {
    ratios.assign(cell.width, 1.0);
    for (int k = 1; k < cell.width; ++k) ratios[k] = e.init.ratio_start + e.init.ratio_step * (k - 1);
  }
  return ratios;
}

// The step of the discrete dynamics whose growth rate Theorem 1 uses: the cell's lr, or 0 for flow.
double step_size(const Experiment& e, const Cell& cell) { return e.train.method == TrainMethod::flow ? 0.0 : cell.lr; }

}  // namespace

std::vector<double> log_spaced_times(double max_time, int count) {
  std::vector<double> times{0.0};
  const double start = std::min(1.0, max_time / 10.0);
  const double ratio = std::log10(max_time / start);
  for (int i = 0; i < count - 1; ++i)
    times.push_back(count == 2 ? max_time : start * std::pow(10.0, ratio * i / (count - 2)));
  times.back() = max_time;
  return times;
}

std::vector<std::int64_t> log_spaced_checkpoints(std::int64_t max_iters, int count) {
  std::vector<std::int64_t> points{0};
  if (max_iters <= 0) return points;
  const double top = std::log10(static_cast<double>(max_iters));
  for (int i = 0; i < count - 1; ++i) {
    const double t = count == 2 ? top : top * i / (count - 2);
    const auto iteration = static_cast<std::int64_t>(std::llround(std::pow(10.0, t)));
    if (iteration > points.back()) points.push_back(std::min(iteration, max_iters));
  }
  if (points.back() != max_iters) points.push_back(max_iters);
  return points;
}

// Written out rather than through perfgen::forward, which rounds differently (fused multiply-adds):
// moving to it would change every trial's targets in the last bits, and with them every result
// recorded so far.
std::vector<double> target_values(const Experiment& e, const std::vector<double>& inputs) {
  const int d = e.model.input_dim;
  std::vector<double> y(inputs.size() / d);
  for (std::size_t i = 0; i < y.size(); ++i) {
    double z = e.target.b;
    for (int j = 0; j < d; ++j) z += e.target.w[j] * inputs[i * d + j];
    y[i] = e.target.a * activation_value(e.target.activation, z);
  }
  return y;
}

void apply_imbalance(const NetShape& shape, const std::vector<double>& ratios, const Theorem1Quantities& before,
                     double* theta) {
  const double c1 = before.C[0];
  for (std::size_t k = 1; k < ratios.size(); ++k) {
    const double factor = ratios[k] == 0.0 ? 0.0 : ratios[k] * c1 / before.C[k];
    if (!std::isfinite(factor) || (ratios[k] != 0.0 && c1 == 0.0))
      throw std::runtime_error("imbalance control: C_1 or C_" + std::to_string(k + 1) +
                               " of θ0 is zero, so no scaling gives the requested ratio");
    double* neuron = theta + k * shape.neuron_stride();
    for (int p = 0; p < shape.neuron_stride(); ++p) neuron[p] *= factor;
  }
}

Theorem1Quantities theorem1_quantities(const NetShape& shape, DataView data, const double* theta0, LossKind loss,
                                       double lr) {
  Theorem1Quantities q;
  q.gamma.resize(shape.weight_dim());
  data_gamma(shape, data, q.gamma.data());
  q.gamma_norm = euclidean_norm(q.gamma.data(), shape.weight_dim());
  q.mu1 = theorem1_mu1(shape, q.gamma_norm, loss, data.count);
  q.mu_gd = theorem1_mu_gd(q.mu1, lr);
  q.C.resize(shape.width);
  for (int k = 0; k < shape.width; ++k)
    q.C[k] = neuron_imbalance(shape, theta0 + k * shape.neuron_stride(), q.gamma.data(), q.gamma_norm);
  q.log_C_norm = std::log(euclidean_norm(q.C.data(), shape.width));
  if (shape.width >= 2) {
    q.c = q.C[0] / q.C[1];
    q.c_tilde = std::fmin(std::fabs(q.c), std::fabs(1.0 / q.c));
  }
  return q;
}

Materializer::Materializer(const Plan& plan) : plan_(plan) {
  const Experiment& e = plan.experiment();
  evaluation_.test_inputs = test_inputs(e);
  evaluation_.test_targets = target_values(e, evaluation_.test_inputs);
  evaluation_.target_weights = e.target.w;
  if (e.model.bias) evaluation_.target_weights.push_back(e.target.b);
  evaluation_.tolerances = {e.eval.on_target_tol, e.eval.silent_tol};
  evaluation_.recovery_threshold = e.eval.recovery_threshold;
}

void Materializer::fill_data(const Cell& cell, std::int64_t data_seed, MaterializedTrial& trial) const {
  const Experiment& e = plan_.experiment();
  const int d = e.model.input_dim;
  const std::size_t count = static_cast<std::size_t>(cell.n) * d;
  const RandomStream stream(StreamPurpose::data, data_seed);
  switch (e.data.distribution) {
    case Distribution::grid:
      trial.inputs = evenly_spaced(e.data.lo, e.data.hi, cell.n);
      break;
    case Distribution::points:
      trial.inputs.assign(e.data.points.begin(), e.data.points.begin() + count);
      break;
    case Distribution::gaussian:
      trial.inputs.resize(count);
      stream.normal(0, count, trial.inputs.data());
      break;
    case Distribution::uniform:
      trial.inputs.resize(count);
      stream.uniform(0, count, trial.inputs.data());
      for (double& x : trial.inputs) x = e.data.lo + (e.data.hi - e.data.lo) * x;
      break;
  }
  trial.targets = target_values(e, trial.inputs);
}

void Materializer::fill_theta0(const Cell& cell, std::int64_t init_seed, MaterializedTrial& trial) const {
  const Experiment& e = plan_.experiment();
  if (!e.init.direction.empty()) {
    trial.theta0 = e.init.direction;
  } else {
    trial.theta0.resize(static_cast<std::size_t>(trial.shape.param_count()));
    RandomStream(StreamPurpose::init, init_seed).normal(0, trial.theta0.size(), trial.theta0.data());
  }
  for (double& v : trial.theta0) v *= cell.init_scale;
  const std::vector<double> ratios = imbalance_ratios(e, cell);
  if (!ratios.empty())
    apply_imbalance(trial.shape, ratios,
                    theorem1_quantities(trial.shape, trial.data(), trial.theta0.data(), e.train.loss, step_size(e, cell)),
                    trial.theta0.data());
}

MaterializedTrial Materializer::materialize(std::int64_t trial_index) const {
  const Experiment& e = plan_.experiment();
  MaterializedTrial trial;
  trial.id = plan_.trial(trial_index);
  const Cell& cell = plan_.cells()[trial.id.cell];
  trial.shape = plan_.shape(cell);
  trial.train = e.train;  // the fixed settings, with the cell's swept ones
  trial.train.lr = cell.lr;
  trial.train.max_iters = cell.max_iters;
  fill_data(cell, trial.id.data_seed, trial);
  fill_theta0(cell, trial.id.init_seed, trial);
  trial.theorem1 = theorem1_quantities(trial.shape, trial.data(), trial.theta0.data(), e.train.loss, step_size(e, cell));
  if (e.trajectories.records(trial_index)) {
    if (e.train.method == TrainMethod::flow)
      trial.checkpoint_times = log_spaced_times(e.train.max_time, e.trajectories.checkpoints);
    else
      trial.checkpoints = log_spaced_checkpoints(cell.max_iters, e.trajectories.checkpoints);
    trial.records_theta = e.trajectories.theta;
  }
  return trial;
}

std::vector<MaterializedTrial> Materializer::materialize_range(std::int64_t first, std::int64_t end,
                                                               int threads) const {
  std::vector<MaterializedTrial> trials(static_cast<std::size_t>(std::max<std::int64_t>(0, end - first)));
  parallel_for(trials.size(), threads,
               [&](std::size_t i) { trials[i] = materialize(first + static_cast<std::int64_t>(i)); });
  return trials;
}

}  // namespace perfgen
