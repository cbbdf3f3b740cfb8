// Full-batch gradient descent on one network until its own stopping criterion.
#pragma once

#include <cmath>
#include <cstdint>

#include "perfgen/hostdevice.h"
#include "perfgen/network.h"

namespace perfgen {

// Stored as int8 in the results file (flag_values 0..3).
enum class TrainStatus : std::int8_t { converged = 0, max_iters = 1, stationary = 2, diverged = 3 };
// The one name table of TrainStatus, by value (file flag_meanings, /cells column names, messages).
inline constexpr const char* kTrainStatusNames[] = {"converged", "max_iters", "stationary", "diverged"};

// How θ moves: gradient descent θ ← θ − lr·∇ℓ, or gradient flow dθ/dt = −∇ℓ (flow.h).
enum class TrainMethod : std::int8_t { gd = 0, flow = 1 };
// The one name table of TrainMethod, by value (experiment files, messages).
inline constexpr const char* kTrainMethodNames[] = {"gd", "flow"};

struct TrainSettings {
  TrainMethod method = TrainMethod::gd;
  double lr = 0.05;  // gd only
  std::int64_t max_iters = 1000000;
  double loss_tol = 1e-15;
  double grad_tol = 0.0;          // ≤ 0: the stationary test is off
  double divergence_loss = 1e50;  // a loss above this (or non-finite) is divergence
  LossKind loss = LossKind::half_sum;
  // flow only: the integrator's tolerances (error per step ≤ atol + rtol·|θ|, RMS over parameters) and
  // the time horizon; max_iters still bounds the number of steps.
  double rtol = 1e-10;
  double atol = 0.0;
  double max_time = 1e6;
};

struct TrainResult {
  TrainStatus status = TrainStatus::max_iters;
  std::int64_t iterations = 0;  // gradient steps applied (flow: accepted integrator steps)
  double final_loss = 0.0;      // ℓ at the returned θ
  double grad_norm = 0.0;       // ‖∇ℓ‖ at the returned θ
  double time = 0.0;            // flow only: t at the returned θ (see training_time)
};

// The time t of the returned θ on the flow's clock: t for flow, iterations·lr for gradient descent.
inline double training_time(const TrainSettings& settings, const TrainResult& result) {
  return settings.method == TrainMethod::flow ? result.time : static_cast<double>(result.iterations) * settings.lr;
}

// Σ v_i², in order; Real is double or a SIMD pack (the vector kernel's stationary test), one code so
// that every kernel takes the same stationary decision.
template <class Real>
PERFGEN_HD Real squared_norm(const Real* v, int count) {
  Real sum = 0.0;
  for (int i = 0; i < count; ++i) sum = fused(v[i], v[i], sum);
  return sum;
}

PERFGEN_HD double euclidean_norm(const double* v, int count) { return sqrt(squared_norm(v, count)); }

// The stopping rule every training loop applies to ℓ(θ_t) before taking step t + 1. grad_norm is only
// read when the stationary test is on (grad_tol > 0). Returns true, with the status, when training stops.
PERFGEN_HD bool reached_stop(double loss, double grad_norm, std::int64_t iteration, const TrainSettings& settings,
                             TrainStatus& status) {
  if (!(loss <= settings.divergence_loss))
    status = TrainStatus::diverged;  // also catches NaN
  else if (loss < settings.loss_tol)
    status = TrainStatus::converged;
  else if (settings.grad_tol > 0.0 && grad_norm < settings.grad_tol)
    status = TrainStatus::stationary;
  else if (iteration >= settings.max_iters)
    status = TrainStatus::max_iters;
  else
    return false;
  return true;
}

// What follows ℓ(θ_t) and ∇ℓ(θ_t) in every training loop: the stopping rule at iteration t, then the
// step θ ← θ − lr·∇ℓ. Returns true, with result filled in, when the network stops at θ_t.
PERFGEN_HD bool stop_or_descend(double loss, int count, const double* grad, const TrainSettings& settings,
                                std::int64_t iteration, double* theta, TrainResult& result) {
  const double grad_norm = settings.grad_tol > 0.0 ? euclidean_norm(grad, count) : 0.0;
  if (reached_stop(loss, grad_norm, iteration, settings, result.status)) {
    result.iterations = iteration;
    result.final_loss = loss;
    result.grad_norm = euclidean_norm(grad, count);
    return true;
  }
  descend(count, settings.lr, grad, theta);
  return false;
}

// Trains theta in place. grad holds param_count doubles, workspace gradient_workspace_size ones.
// The loss checked at step t is ℓ(θ_t), computed with the gradient that would make θ_{t+1}.
template <class Shape, int MaxCount>
PERFGEN_HD TrainResult train_network(const Shape& s, DataOf<double, MaxCount> data, const TrainSettings& settings,
                                     double* theta, double* grad, double* workspace) {
  TrainResult result;
  for (std::int64_t iteration = 0;; ++iteration) {
    const double loss = loss_and_gradient(s, theta, data, settings.loss, grad, workspace);
    if (stop_or_descend(loss, s.param_count(), grad, settings, iteration, theta, result)) return result;
  }
}

}  // namespace perfgen
