// Work distribution: the scalar kernel hands out single trials; the vector kernel groups trials that
// can share SIMD packs (same shape, n and loss) and lets every thread drain the groups in turn.
#include "cpu_backend.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <stdexcept>
#include <tuple>

#include "compile_time_shapes.h"
#include "cpu_lanes.h"
#include "hot_code.h"
#include "parallel.h"
#include "perfgen/flow.h"
#include "perfgen/sharpness.h"

namespace perfgen {
namespace {

using LaneGroupKey = std::tuple<int, int, bool, Activation, int, LossKind>;

// The lanes run gradient descent and record no trajectory; the scalar kernel does the rest.
bool needs_scalar_kernel(const MaterializedTrial& t) {
  return t.records_trajectory() || t.train.method == TrainMethod::flow;
}

std::vector<std::vector<std::size_t>> lane_groups(const std::vector<MaterializedTrial>& trials) {
  std::map<LaneGroupKey, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const MaterializedTrial& t = trials[i];
    if (needs_scalar_kernel(t)) continue;
    groups[{t.shape.width, t.shape.input_dim, t.shape.bias, t.shape.activation, t.data().count, t.train.loss}]
        .push_back(i);
  }
  std::vector<std::vector<std::size_t>> result;
  for (auto& [key, members] : groups) result.push_back(std::move(members));
  return result;
}

// The scalar kernel's hot code (hot_code.h): the shared math it calls, one copy per instruction set.
template <class Shape>
PERFGEN_CPU_HOT TrainResult train_network_hot(const Shape& shape, DataView data, const TrainSettings& settings,
                                              double* theta, double* grad, double* workspace) {
  return train_network(shape, data, settings, theta, grad, workspace);
}
PERFGEN_CPU_HOT TrainResult flow_network(const NetShape& shape, DataView data, const TrainSettings& settings,
                                         double pause_time, std::int64_t pause_after, double* theta, double* grad,
                                         FlowState& state, double* scratch) {
  return integrate_flow(shape, data, settings, pause_time, pause_after, theta, grad, state, scratch);
}
template <class Shape>
PERFGEN_CPU_HOT GeneralizationError test_set_error(const Shape& shape, const double* theta, DataView test) {
  return generalization_error(shape, theta, test);
}
template <class Shape>
PERFGEN_CPU_HOT double sharpness_at(const Shape& shape, const double* theta, DataView data, LossKind loss,
                                    double* scratch) {
  return loss_sharpness(shape, theta, data, loss, scratch);
}

}  // namespace

TrialOutcome evaluate_trained(const MaterializedTrial& trial, std::vector<double> theta, const TrainResult& result,
                              const GeneralizationError& generalization, const EvaluationContext& context) {
  const NetShape& shape = trial.shape;
  TrialOutcome out;
  out.finished = true;
  out.theta = std::move(theta);
  out.train = result;
  out.generalization = generalization;
  std::vector<double> scratch(sharpness_scratch_size(shape, trial.data().count));
  out.sharpness = with_shape_type(shape, [&](const auto& s) {
    return sharpness_at(s, out.theta.data(), trial.data(), trial.train.loss, scratch.data());
  });
  out.recovered = context.recovered(out.generalization);
  out.final_a.resize(shape.width);
  out.distance.resize(shape.width);
  out.branch = classify_branch(shape, out.theta.data(), context.target_weights.data(), context.tolerances,
                               out.final_a.data(), out.distance.data());
  return out;
}

// train_network from θ at iteration first_iteration, in chunks that end at every checkpoint to record
// and, to check for cancellation, at least every 65 536 steps and every ~2^26 parameter-samples (a wide
// network's chunk stays well under a second). A chunk ends with the status max_iters at its last θ;
// the next chunk re-evaluates the same loss there and goes on, so the sequence of steps and checks,
// and the result, are those of one uninterrupted call.
template <class Shape>
TrainResult train_in_chunks(const Shape& shape, const MaterializedTrial& trial, std::int64_t first_iteration,
                            double* theta, TrainControl* control, Trajectory& trajectory) {
  const std::int64_t chunk_steps =
      steps_between_cancel_checks(std::int64_t{shape.param_count()} * trial.data().count, 1 << 16);
  std::vector<double> grad(shape.param_count()), workspace(gradient_workspace_size(shape, trial.data().count));
  const std::vector<std::int64_t>& checkpoints = trial.checkpoints;
  std::size_t next_checkpoint = 0;
  TrainSettings chunk = trial.train;
  for (std::int64_t done = first_iteration;;) {
    std::int64_t end = std::min(trial.train.max_iters, done + chunk_steps);
    if (next_checkpoint < checkpoints.size()) end = std::min(end, checkpoints[next_checkpoint]);
    chunk.max_iters = end - done;
    TrainResult result = train_network_hot(shape, trial.data(), chunk, theta, grad.data(), workspace.data());
    if (control) control->steps += result.iterations;
    result.iterations += done;
    const bool stopped = result.status != TrainStatus::max_iters || result.iterations >= trial.train.max_iters;
    const bool at_checkpoint =
        next_checkpoint < checkpoints.size() && checkpoints[next_checkpoint] == result.iterations;
    if (at_checkpoint) ++next_checkpoint;
    if (!checkpoints.empty() && (at_checkpoint || stopped))
      trajectory.record(result.iterations, result.final_loss, theta, trial.recorded_params());
    if (stopped) return result;
    done = result.iterations;
    if (control && control->cancelled()) throw TrainingCancelled();
  }
}

// integrate_flow in pieces that end at the first step at or after every checkpoint time (recorded with
// the time it reached) and at least every 4096 steps to check for cancellation; the integrator's state
// carries over, so the steps and the result are those of one call, recorded or not.
TrainResult flow_in_chunks(const MaterializedTrial& trial, double* theta, double* grad, TrainControl* control,
                           Trajectory& trajectory) {
  constexpr std::int64_t kChunk = 1 << 12;
  const std::vector<double>& times = trial.checkpoint_times;
  std::vector<double> scratch(flow_scratch_size(trial.shape, trial.data().count));
  std::size_t next_checkpoint = 0;
  FlowState state;
  for (;;) {
    const double pause_time = next_checkpoint < times.size() ? times[next_checkpoint] : trial.train.max_time;
    const std::int64_t before = state.accepted;
    const TrainResult result =
        flow_network(trial.shape, trial.data(), trial.train, pause_time, kChunk, theta, grad, state, scratch.data());
    if (control) control->steps += state.accepted - before;
    const bool stopped = flow_finished(result, state, trial.train);
    bool at_checkpoint = false;  // one step may pass several checkpoints: recorded once
    while (next_checkpoint < times.size() && state.time >= times[next_checkpoint]) {
      at_checkpoint = true;
      ++next_checkpoint;
    }
    if (!times.empty() && (at_checkpoint || stopped)) {
      trajectory.record(result.iterations, result.final_loss, theta, trial.recorded_params());
      trajectory.times.push_back(result.time);
    }
    if (stopped) return result;
    if (control && control->cancelled()) throw TrainingCancelled();
  }
}

TrialOutcome train_and_evaluate(const MaterializedTrial& trial, const EvaluationContext& context,
                                TrainControl* control) {
  if (trial.train.method == TrainMethod::flow && trial.first_iteration != 0)
    throw std::logic_error("gradient flow cannot resume from first_iteration: its integrator keeps more state than θ");
  if (control) ++control->started;
  const NetShape& shape = trial.shape;
  std::vector<double> theta = trial.theta0;
  Trajectory trajectory;
  TrainResult result;
  if (trial.train.method == TrainMethod::flow) {
    std::vector<double> grad(shape.param_count());
    result = flow_in_chunks(trial, theta.data(), grad.data(), control, trajectory);
  } else {
    result = with_shape_type(shape, [&](const auto& fixed) {
      return train_in_chunks(fixed, trial, trial.first_iteration, theta.data(), control, trajectory);
    });
  }
  const GeneralizationError generalization = with_shape_type(
      shape, [&](const auto& fixed) { return test_set_error(fixed, theta.data(), context.test_set()); });
  TrialOutcome outcome = evaluate_trained(trial, std::move(theta), result, generalization, context);
  outcome.trajectory = std::move(trajectory);
  return outcome;
}

TrainResult descend_alone(const MaterializedTrial& trial, std::int64_t first_iteration, double* theta,
                          TrainControl* control) {
  Trajectory none;
  return with_shape_type(trial.shape, [&](const auto& shape) {
    return train_in_chunks(shape, trial, first_iteration, theta, control, none);
  });
}

double network_steps_per_second(const MaterializedTrial& example, CpuKernel kernel) {
  if (kernel == CpuKernel::vector) return lane_steps_per_second(example);
  TrainSettings settings = example.train;
  settings.max_iters = 1 << 14;
  settings.loss_tol = -1.0;  // no convergence, no stationary stop: exactly max_iters steps unless it diverges
  settings.grad_tol = 0.0;
  std::vector<double> theta = example.theta0, grad(example.shape.param_count());
  std::vector<double> workspace(gradient_workspace_size(example.shape, example.data().count));
  const auto start = std::chrono::steady_clock::now();
  const TrainResult result = with_shape_type(example.shape, [&](const auto& shape) {
    return train_network_hot(shape, example.data(), settings, theta.data(), grad.data(), workspace.data());
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(std::max<std::int64_t>(result.iterations, 1)) / std::max(seconds, 1e-9);
}

CpuBackend::CpuBackend(int threads, CpuKernel kernel) : threads_(thread_count(threads)), kernel_(kernel) {}

std::string CpuBackend::device() const {
  const std::string kernel = kernel_ == CpuKernel::scalar
                                 ? "scalar"
                                 : std::string(simd_instruction_set()) + ", " + std::to_string(simd_lanes()) + " lanes";
  return "CPU, " + std::to_string(threads_) + (threads_ == 1 ? " thread, " : " threads, ") + kernel +
         hot_code_description();
}

int CpuBackend::slots() const { return kernel_ == CpuKernel::scalar ? threads_ : threads_ * simd_lanes(); }

void CpuBackend::train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
                       std::vector<TrialOutcome>& outcomes, TrainControl& control) {
  outcomes.assign(trials.size(), {});
  const int count = static_cast<int>(std::min<std::size_t>(threads_, std::max<std::size_t>(trials.size(), 1)));
  // The scalar kernel takes every trial, or, beside the vector kernel, those the lanes do not train.
  std::vector<std::size_t> scalar;
  for (std::size_t i = 0; i < trials.size(); ++i)
    if (kernel_ == CpuKernel::scalar || needs_scalar_kernel(trials[i])) scalar.push_back(i);
  const auto groups = kernel_ == CpuKernel::scalar ? std::vector<std::vector<std::size_t>>{} : lane_groups(trials);
  std::atomic<std::size_t> next_scalar{0};
  std::vector<std::atomic<std::size_t>> next(groups.size());
  for (auto& n : next) n = 0;
  // The first thread to fail stops the others (as a cancel would), and its failure is the one thrown.
  run_threads(
      count,
      [&] {
        for (std::size_t k = next_scalar++; k < scalar.size(); k = next_scalar++) {
          outcomes[scalar[k]] = train_and_evaluate(trials[scalar[k]], context, &control);
          control.record_finished(outcomes[scalar[k]].train.iterations);
        }
        for (std::size_t g = 0; g < groups.size(); ++g)
          train_in_lanes(trials, groups[g], next[g], count, context, outcomes, control);
      },
      [&] { control.abandoned = true; });
}

}  // namespace perfgen
