// Gradient flow (include/perfgen/flow.h): the integrator's order, the limit of gradient descent as
// lr → 0, Theorem 1's aligned time, and the run plumbing (pauses, checkpoints, the CPU backend).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu_backend.h"
#include "experiments.h"
#include "perfgen/flow.h"
#include "perfgen/training.h"
#include "trials.h"

namespace perfgen {
namespace {

using testing::trials_of;

double distance(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (std::size_t p = 0; p < a.size(); ++p) sum += (a[p] - b[p]) * (a[p] - b[p]);
  return std::sqrt(sum);
}

// Example 1 on the grid from a moderate initialization (s = 0.3): the flow moves at O(1) speed from
// the start, so short horizons exercise the nonlinear dynamics.
MaterializedTrial moderate_trial(double max_time) {
  return trials_of(std::string(testing::kExample1Grid) + "method = \"flow\"\nloss_tol = 0.0\nmax_time = " +
                   std::to_string(max_time) + "\nrtol = 1e-13\n")
      .front();
}

MaterializedTrial with_scale(MaterializedTrial trial, double factor) {
  for (double& v : trial.theta0) v *= factor;
  return trial;
}

// θ(T) by integrate_flow at the trial's tolerances, in one call.
std::vector<double> flow_to(const MaterializedTrial& trial, double time, FlowState* state_out = nullptr) {
  std::vector<double> theta = trial.theta0, grad(theta.size());
  std::vector<double> scratch(flow_scratch_size(trial.shape, trial.data().count));
  TrainSettings settings = trial.train;
  settings.max_time = time;
  FlowState state;
  integrate_flow(trial.shape, trial.data(), settings, time, settings.max_iters, theta.data(), grad.data(), state,
                 scratch.data());
  EXPECT_DOUBLE_EQ(state.time, time);
  if (state_out) *state_out = state;
  return theta;
}

// Fixed steps h = 4/N for N = 128 … 4096, from θ0 ≈ 0.3·z: the differences between successive
// solutions shrink as h^4 (Richardson: no reference solution is needed). Coarser steps are still
// pre-asymptotic on this problem (orders 2.6 and 3.6 from N = 128 … 1024).
TEST(Flow, RodasConvergesAtOrderFour) {
  const MaterializedTrial trial = with_scale(moderate_trial(4.0), 3e7);
  const int count = trial.shape.param_count();
  std::vector<double> grad(count), hessian(count * count), next(count);
  std::vector<double> scratch(flow_scratch_size(trial.shape, trial.data().count));
  std::vector<std::vector<double>> solutions;
  for (int steps = 128; steps <= 4096; steps *= 2) {
    std::vector<double> theta = trial.theta0;
    const double h = 4.0 / steps;
    for (int k = 0; k < steps; ++k) {
      loss_and_gradient(trial.shape, theta.data(), trial.data(), trial.train.loss, grad.data(), scratch.data());
      loss_hessian(trial.shape, theta.data(), trial.data(), trial.train.loss, hessian.data(), scratch.data());
      rodas_step(trial.shape, trial.data(), trial.train, theta.data(), grad.data(), hessian.data(), h, next.data(),
                 scratch.data());
      theta = next;
    }
    solutions.push_back(theta);
  }
  std::vector<double> differences;
  for (std::size_t k = 1; k < solutions.size(); ++k) differences.push_back(distance(solutions[k], solutions[k - 1]));
  for (std::size_t k = 1; k < differences.size(); ++k) {
    const double order = std::log2(differences[k - 1] / differences[k]);
    std::cout << "[flow] h = 4/" << (128 << k) << " against 4/" << (256 << k) << ": |difference| " << differences[k]
              << ", order " << order << '\n';
    if (k + 2 >= differences.size()) {  // the two finest pairs
      EXPECT_GT(order, 3.7);
      EXPECT_LT(order, 4.3);
    }
  }
  EXPECT_GT(differences.back(), 1e-13);  // still above roundoff: the orders measure the method
}

// Along the trajectory, not only at its end: the largest ‖θ_GD(k·lr) − θ_flow(k·lr)‖ over the times
// t = 0.25, 0.5, … 2 (whole steps at every lr below) halves with lr.
TEST(Flow, GradientDescentApproachesTheFlowAtFirstOrderInTheLearningRate) {
  const MaterializedTrial trial = with_scale(moderate_trial(2.0), 3e7);
  const std::vector<double> times = {0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0};
  std::vector<std::vector<double>> flow;
  for (double t : times) flow.push_back(flow_to(trial, t));
  std::vector<double> errors;
  for (double lr : {0.02, 0.01, 0.005}) {
    std::vector<double> theta = trial.theta0, grad(theta.size());
    std::vector<double> workspace(gradient_workspace_size(trial.shape, trial.data().count));
    TrainSettings gd = trial.train;
    gd.method = TrainMethod::gd;
    gd.lr = lr;
    double worst = 0.0;
    std::int64_t done = 0;
    for (std::size_t k = 0; k < times.size(); ++k) {  // on to the next time: its whole steps, then compare
      gd.max_iters = std::llround(times[k] / lr) - done;
      const TrainResult r = train_network(trial.shape, trial.data(), gd, theta.data(), grad.data(), workspace.data());
      ASSERT_EQ(r.iterations, gd.max_iters);
      done += r.iterations;
      worst = std::max(worst, distance(theta, flow[k]));
    }
    errors.push_back(worst);
  }
  for (std::size_t k = 1; k < errors.size(); ++k) {
    const double ratio = errors[k - 1] / errors[k];
    std::cout << "[flow] largest |theta_gd - theta_flow| over t = 0.25 .. 2: " << errors[k - 1] << " -> "
              << errors[k] << " when lr halves (ratio " << ratio << ")\n";
    EXPECT_GT(ratio, 1.8);
    EXPECT_LT(ratio, 2.2);
  }
}

TEST(Flow, PausesDoNotChangeTheSteps) {
  const MaterializedTrial trial = with_scale(moderate_trial(50.0), 3e7);
  FlowState whole;
  const std::vector<double> once = flow_to(trial, 50.0, &whole);
  std::vector<double> theta = trial.theta0, grad(theta.size());
  std::vector<double> scratch(flow_scratch_size(trial.shape, trial.data().count));
  TrainSettings settings = trial.train;
  settings.max_time = 50.0;
  FlowState state;
  int calls = 0;
  for (;;) {
    const TrainResult r =
        integrate_flow(trial.shape, trial.data(), settings, 50.0, 3, theta.data(), grad.data(), state, scratch.data());
    ++calls;
    if (r.status != TrainStatus::max_iters || state.time >= 50.0) break;
  }
  EXPECT_EQ(state.time, 50.0);
  EXPECT_GT(calls, 3);
  EXPECT_EQ(state.accepted, whole.accepted);
  EXPECT_EQ(state.rejected, whole.rejected);
  EXPECT_EQ(theta, once);  // bitwise
}

// Theorem 1: from θ0 = s·z with the same direction, runs at different s follow one curve in the
// aligned time τ = t + ln(‖C‖/‖γ‖)/μ. Gradient descent (aligned with its own rate μ_gd) is read
// between its whole steps by linear interpolation, so that reading it costs O(lr²), not O(lr): the
// flow's runs collapse tighter through the escape, and no worse after it.
TEST(Flow, TheoremOneCollapseIsTighterUnderFlowThanUnderGradientDescent) {
  const auto trials = trials_of(std::string(testing::kExample1Grid) +
                                "max_iters = 100000000\nloss_tol = 0.0\n[sweep]\ninit_scale = [1e-6, 1e-8, 1e-10]\n");
  ASSERT_EQ(trials.size(), 3u);
  for (double tau : {0.0, 5.0, 20.0}) {
    double flow_spread = 0.0, gd_spread = 0.0;
    std::vector<std::vector<double>> flow_states, gd_states;
    for (const MaterializedTrial& trial : trials) {
      MaterializedTrial flow_trial = trial;
      flow_trial.train.method = TrainMethod::flow;
      const double mu1 = trial.theorem1.mu1;
      const double t = tau - trial.theorem1.aligned_time_offset(mu1);
      flow_states.push_back(flow_to(flow_trial, t));
      // Gradient descent at its own rate μ_gd, θ(t) between steps k and k + 1 interpolated linearly.
      const double lr = trial.train.lr;
      const double steps = (tau - trial.theorem1.aligned_time_offset(trial.theorem1.mu_gd)) / lr;
      std::vector<double> theta = trial.theta0, grad(theta.size());
      std::vector<double> workspace(gradient_workspace_size(trial.shape, trial.data().count));
      TrainSettings gd = trial.train;
      gd.max_iters = static_cast<std::int64_t>(std::floor(steps));
      train_network(trial.shape, trial.data(), gd, theta.data(), grad.data(), workspace.data());
      std::vector<double> after = theta;
      gd.max_iters = 1;
      train_network(trial.shape, trial.data(), gd, after.data(), grad.data(), workspace.data());
      const double fraction = steps - std::floor(steps);
      for (std::size_t p = 0; p < theta.size(); ++p) theta[p] += fraction * (after[p] - theta[p]);
      gd_states.push_back(theta);
    }
    for (std::size_t i = 1; i < trials.size(); ++i) {
      flow_spread = std::max(flow_spread, distance(flow_states[i], flow_states[0]));
      gd_spread = std::max(gd_spread, distance(gd_states[i], gd_states[0]));
    }
    std::cout << "[flow] aligned time " << tau << ": spread over s = 1e-6..1e-10, flow " << flow_spread << ", gd "
              << gd_spread << '\n';
    // Through the escape (τ ≤ 5) gradient descent's finite step shows; later both are left with the
    // same O(s) nonlinearity (3.4e-7 and 4.0e-7 at τ = 20 on 2026-12-01).
    EXPECT_LT(flow_spread, tau <= 5.0 ? 0.5 * gd_spread : gd_spread);
  }
}

// A recorded trial: a point at the first step at or after each checkpoint time (one step may pass
// several), with the time reached; and the same steps, bitwise, as the trial without a trajectory.
// Without θ (theta = false) the same points, times and losses.
TEST(Flow, CpuBackendRecordsCheckpointsWithoutChangingTheSteps) {
  const Experiment e = testing::experiment_from(
      std::string(testing::kExample1Grid) +
      "method = \"flow\"\nmax_time = 1000.0\n[trajectories]\ntrials = \"all\"\ncheckpoints = 8\n");
  const Plan plan(e);
  const Materializer materializer(plan);
  const MaterializedTrial trial = materializer.materialize(0);
  ASSERT_EQ(trial.checkpoint_times, log_spaced_times(1000.0, 8));
  const TrialOutcome outcome = train_and_evaluate(trial, materializer.evaluation());
  const Trajectory& t = outcome.trajectory;
  ASSERT_EQ(t.times.size(), t.iterations.size());
  ASSERT_GE(t.times.size(), 3u);
  EXPECT_EQ(t.times.front(), 0.0);
  for (std::size_t k = 1; k < t.times.size(); ++k) EXPECT_GT(t.times[k], t.times[k - 1]);
  for (double checkpoint : trial.checkpoint_times)  // each one is followed by a record
    EXPECT_TRUE(std::any_of(t.times.begin(), t.times.end(), [&](double r) { return r >= checkpoint; }));
  EXPECT_EQ(outcome.train.status, TrainStatus::max_iters);
  EXPECT_EQ(outcome.train.time, 1000.0);
  EXPECT_EQ(t.times.back(), 1000.0);
  EXPECT_EQ(training_time(trial.train, outcome.train), outcome.train.time);

  MaterializedTrial unrecorded = trial;
  unrecorded.checkpoint_times.clear();
  const TrialOutcome plain = train_and_evaluate(unrecorded, materializer.evaluation());
  EXPECT_EQ(plain.train.iterations, outcome.train.iterations);
  EXPECT_EQ(plain.theta, outcome.theta);  // bitwise

  MaterializedTrial loss_only = trial;
  loss_only.records_theta = false;
  const Trajectory without_theta = train_and_evaluate(loss_only, materializer.evaluation()).trajectory;
  EXPECT_TRUE(without_theta.thetas.empty());
  EXPECT_EQ(without_theta.iterations, t.iterations);
  EXPECT_EQ(without_theta.times, t.times);
  EXPECT_EQ(without_theta.losses, t.losses);
}

}  // namespace
}  // namespace perfgen
