// Full-batch gradient descent on one network until its own stopping criterion.
#pragma once

#include <cmath>
#include <cstdint>

#include "perfgen/hostdevice.h"
#include "perfgen/network.h"

namespace perfgen {

// Stored as int8 in the results file (flag_values 0..3).
enum class TrainStatus : std::int8_t { converged = 0, max_iters = 1, stationary = 2, diverged = 3 };

struct TrainSettings {
  double lr = 0.05;
  std::int64_t max_iters = 1000000;
  double loss_tol = 1e-15;
  double grad_tol = 0.0;          // ≤ 0: the stationary test is off
  double divergence_loss = 1e50;  // a loss above this (or non-finite) is divergence
  LossKind loss = LossKind::half_sum;
};

struct TrainResult {
  TrainStatus status = TrainStatus::max_iters;
  std::int64_t iterations = 0;  // gradient steps applied
  double final_loss = 0.0;      // ℓ at the returned θ
  double grad_norm = 0.0;       // ‖∇ℓ‖ at the returned θ
};

PERFGEN_HD double euclidean_norm(const double* v, int count) {
  double sum = 0.0;
  for (int i = 0; i < count; ++i) sum += v[i] * v[i];
  return sqrt(sum);
}

// Trains theta in place. grad holds param_count doubles, workspace gradient_workspace_size ones.
// The loss checked at step t is ℓ(θ_t), computed with the gradient that would make θ_{t+1}.
PERFGEN_HD TrainResult train_network(const NetShape& s, DataView data, const TrainSettings& settings, double* theta,
                                     double* grad, double* workspace) {
  const int count = s.param_count();
  TrainResult result;
  for (std::int64_t iteration = 0;; ++iteration) {
    const double loss = loss_and_gradient(s, theta, data, settings.loss, grad, workspace);
    result.iterations = iteration;
    result.final_loss = loss;
    if (!(loss <= settings.divergence_loss)) {  // also catches NaN
      result.status = TrainStatus::diverged;
      break;
    }
    if (loss < settings.loss_tol) {
      result.status = TrainStatus::converged;
      break;
    }
    if (settings.grad_tol > 0.0 && euclidean_norm(grad, count) < settings.grad_tol) {
      result.status = TrainStatus::stationary;
      break;
    }
    if (iteration >= settings.max_iters) {
      result.status = TrainStatus::max_iters;
      break;
    }
    for (int p = 0; p < count; ++p) theta[p] -= settings.lr * grad[p];
  }
  result.grad_norm = euclidean_norm(grad, count);
  return result;
}

}  // namespace perfgen
