// Gradient flow dθ/dt = −∇ℓ(θ), the limit of gradient descent as lr → 0, integrated by RODAS: the
// stiffly accurate, L-stable Rosenbrock method of order 4 with an embedded order-3 error estimate
// (Hairer & Wanner, Solving ODEs II, §IV.7; the coefficients as in Boost.Odeint's rosenbrock4).
//
// Why a linearly implicit method: the flow is stiff where it is slow. A run spends most of its time
// in a polynomial tail near the target set, where ∇²ℓ has eigenvalues ~10 beside directions that move
// on time scales of 10^5 and more; an explicit method must keep h·λ_max below its stability bound
// (≈ 3 for Dormand-Prince) throughout, i.e. as many steps as gradient descent at lr 0.05. RODAS uses
// the exact Hessian (loss_hessian, P ≤ kExactHessianMaxParams) and takes steps the accuracy allows.
// bench/flow_stiffness.cpp measures both along real trajectories (docs/FLOW.md has the figures).
#pragma once

#include <cmath>
#include <cstdint>

#include "perfgen/hostdevice.h"
#include "perfgen/network.h"
#include "perfgen/sharpness.h"
#include "perfgen/training.h"

namespace perfgen {

// Where an integration stands between calls: integrate_flow pauses and resumes from it, so a run cut
// into pieces (checkpoints, cancellation checks) takes the same steps as one uninterrupted call.
struct FlowState {
  double time = 0.0;
  double step = 0.0;          // the next step size to try; 0: the first step
  std::int64_t accepted = 0;  // steps taken
  std::int64_t rejected = 0;  // steps retried with a smaller h
};

// Scratch doubles integrate_flow needs: the Hessian and the next state, then rodas_step's W (P²), six
// stages, a stage point, its gradient and the gradient's workspace.
PERFGEN_HD int flow_scratch_size(const NetShape& s, int n) {
  const int count = s.param_count();
  return 2 * count * count + 9 * count + gradient_workspace_size(s, n);
}

// In-place LU factorization with partial pivoting of the n × n matrix a; false when it is singular.
PERFGEN_HD bool lu_factorize(double* a, int n, int* pivot) {
  for (int k = 0; k < n; ++k) {
    int best = k;
    for (int i = k + 1; i < n; ++i)
      if (fabs(a[i * n + k]) > fabs(a[best * n + k])) best = i;
    pivot[k] = best;
    if (a[best * n + k] == 0.0) return false;
    if (best != k)
      for (int j = 0; j < n; ++j) {
        const double t = a[k * n + j];
        a[k * n + j] = a[best * n + j];
        a[best * n + j] = t;
      }
    for (int i = k + 1; i < n; ++i) {
      const double factor = a[i * n + k] / a[k * n + k];
      a[i * n + k] = factor;
      for (int j = k + 1; j < n; ++j) a[i * n + j] -= factor * a[k * n + j];
    }
  }
  return true;
}

// Solves LU x = b in place for a factorization made by lu_factorize.
PERFGEN_HD void lu_solve(const double* lu, int n, const int* pivot, double* b) {
  for (int k = 0; k < n; ++k) {
    const double t = b[k];
    b[k] = b[pivot[k]];
    b[pivot[k]] = t;
  }
  for (int i = 1; i < n; ++i)
    for (int j = 0; j < i; ++j) b[i] -= lu[i * n + j] * b[j];
  for (int i = n - 1; i >= 0; --i) {
    for (int j = i + 1; j < n; ++j) b[i] -= lu[i * n + j] * b[j];
    b[i] /= lu[i * n + i];
  }
}

// The RMS norm of the error estimate against atol + rtol·max(‖θ‖_∞, ‖θ'‖_∞): relative to the whole
// parameter vector, not per component. Per component, a parameter that decays to 0 near the target set
// (a_2 on the Q2 branch) would demand ever smaller steps until roundoff stalls the run; relative to
// the vector, the saddle escape from θ0 ~ 1e-20 is still resolved with atol = 0.
PERFGEN_HD double flow_error_norm(const double* error, const double* before, const double* after, int count,
                                  double rtol, double atol) {
  double size = 0.0, sum = 0.0;
  for (int p = 0; p < count; ++p) size = fmax(size, fmax(fabs(before[p]), fabs(after[p])));
  const double scale = atol + rtol * size;
  for (int p = 0; p < count; ++p) {
    if (error[p] == 0.0) continue;
    if (!(scale > 0.0)) return INFINITY;
    const double ratio = error[p] / scale;
    sum += ratio * ratio;
  }
  return sqrt(sum / count);
}

// One RODAS step of size h from theta, whose gradient is grad and Hessian hessian. RODAS in autonomous
// form: W = I/(γh) + ∇²ℓ(θ); stage i = 0..5 solves W g_i = −∇ℓ(θ + Σ_j a_ij g_j) + Σ_j c_ij g_j / h; the
// new state is θ + Σ_j a_5j g_j + g_5 (stiffly accurate: the last stage's point), and g_5 is the error
// estimate.
// Writes the new state into next; returns the error norm, INFINITY when W is singular or a stage is
// not finite.
PERFGEN_HD double rodas_step(const NetShape& s, DataView data, const TrainSettings& settings, const double* theta,
                             const double* grad, const double* hessian, double h, double* next, double* scratch) {
  constexpr double gamma = 0.25;
  // a[i][j], c[i][j] of stages i = 1..5 (stage 0 is W g_0 = −∇ℓ(θ)); a[5] builds the order-3 point.
  const double a[6][5] = {{0, 0, 0, 0, 0},
                          {1.544, 0, 0, 0, 0},
                          {0.9466785280815826, 0.2557011698983284, 0, 0, 0},
                          {3.314825187068521, 2.896124015972201, 0.9986419139977817, 0, 0},
                          {1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950, 0},
                          {1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950, 1.0}};
  const double c[6][5] = {
      {0, 0, 0, 0, 0},
      {-5.6688, 0, 0, 0, 0},
      {-2.430093356833875, -0.2063599157091915, 0, 0, 0},
      {-0.1073529058151375, -9.594562251023355, -20.47028614809616, 0, 0},
      {7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160, 0},
      {8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136, -6.058818238834054}};
  const int count = s.param_count();
  double* w = scratch;            // W, then its LU factors
  double* g = w + count * count;  // the six stages, g[i * count + p]
  double* point = g + 6 * count;  // θ + Σ_j a_ij g_j
  double* force = point + count;  // ∇ℓ at that point
  double* workspace = force + count;
  int pivot[kExactHessianMaxParams];
  for (int p = 0; p < count * count; ++p) w[p] = hessian[p];
  for (int p = 0; p < count; ++p) w[p * count + p] += 1.0 / (gamma * h);
  if (!lu_factorize(w, count, pivot)) return INFINITY;
  for (int i = 0; i < 6; ++i) {
    double* gi = g + i * count;
    if (i == 0) {
      for (int p = 0; p < count; ++p) gi[p] = -grad[p];
    } else {
      for (int p = 0; p < count; ++p) {
        double x = theta[p];
        for (int j = 0; j < i; ++j) x += a[i][j] * g[j * count + p];
        point[p] = x;
      }
      loss_and_gradient(s, point, data, settings.loss, force, workspace);
      for (int p = 0; p < count; ++p) {
        double coupling = 0.0;
        for (int j = 0; j < i; ++j) coupling += c[i][j] * g[j * count + p];
        gi[p] = -force[p] + coupling / h;
      }
    }
    lu_solve(w, count, pivot, gi);
  }
  const double* error = g + 5 * count;
  bool finite = true;
  for (int p = 0; p < count; ++p) {
    next[p] = point[p] + error[p];
    finite = finite && next[p] - next[p] == 0.0;  // false for ±inf and NaN
  }
  if (!finite) return INFINITY;
  return flow_error_norm(error, theta, next, count, settings.rtol, settings.atol);
}

// Integrates the flow from state.time, with the stopping rule of gradient descent (training.h) checked
// at every accepted step: converged, stationary and diverged as there; max_iters when state.accepted
// reaches settings.max_iters or the time reaches settings.max_time (the last step is shortened to land
// on it). Pauses, returning status max_iters with result.time < max_time, at the first accepted step
// with t ≥ pause_time (a checkpoint; the step is not shortened, so where steps fall never depends on
// the pauses) or after pause_after more steps; a later call with the same state goes on as if never
// paused. scratch: flow_scratch_size.
PERFGEN_HD TrainResult integrate_flow(const NetShape& s, DataView data, const TrainSettings& settings,
                                      double pause_time, std::int64_t pause_after, double* theta, double* grad,
                                      FlowState& state, double* scratch) {
  const int count = s.param_count();
  double* hessian = scratch;
  double* next = hessian + count * count;
  double* step_scratch = next + count;  // rodas_step's; before each step also loss_and_gradient's and loss_hessian's
  const std::int64_t pause_step = state.accepted + pause_after;
  TrainResult result;
  for (;;) {
    const double loss = loss_and_gradient(s, theta, data, settings.loss, grad, step_scratch);
    const double grad_norm = euclidean_norm(grad, count);
    result.iterations = state.accepted;
    result.final_loss = loss;
    result.grad_norm = grad_norm;
    result.time = state.time;
    if (reached_stop(loss, grad_norm, state.accepted, settings, result.status)) return result;
    result.status = TrainStatus::max_iters;
    if (state.time >= settings.max_time || state.time >= pause_time || state.accepted >= pause_step) return result;
    loss_hessian(s, theta, data, settings.loss, hessian, step_scratch);
    if (state.step <= 0.0) state.step = fmin(1e-2, settings.max_time);
    // Retry with smaller steps until one meets the tolerance; the controller's exponent is
    // 1/(order of the error estimate + 1) = 1/4, with the usual safety factor and limits.
    for (;;) {
      const double limit = settings.max_time - state.time;
      const double h = fmin(state.step, limit);
      const double error = rodas_step(s, data, settings, theta, grad, hessian, h, next, step_scratch);
      const double factor = error == 0.0 ? 5.0 : fmin(5.0, fmax(0.2, 0.9 / sqrt(sqrt(error))));
      if (error <= 1.0) {
        for (int p = 0; p < count; ++p) theta[p] = next[p];
        // The last step, cut short to land on max_time, keeps the controller's step.
        state.time = h == limit ? settings.max_time : state.time + h;
        state.step = h < state.step ? state.step : h * factor;
        ++state.accepted;
        break;
      }
      ++state.rejected;
      state.step = h * fmin(factor, 0.5);
      if (!(state.step > 1e-14 * fmax(1.0, state.time))) {  // the integrator cannot go on: count as diverged
        result.status = TrainStatus::diverged;
        return result;
      }
    }
  }
}

// Whether a result of integrate_flow ends the run (a stop rule, the step bound or the horizon) rather
// than pausing it: both come back with status max_iters, so the state tells them apart.
PERFGEN_HD bool flow_finished(const TrainResult& result, const FlowState& state, const TrainSettings& settings) {
  return result.status != TrainStatus::max_iters || state.time >= settings.max_time ||
         state.accepted >= settings.max_iters;
}

}  // namespace perfgen
