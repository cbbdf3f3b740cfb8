// Orchestration of the CUDA backend: trials are grouped by the kernel that suits them, each group is
// split into parts that fit the device's free memory, each part is uploaded (trials that share a
// dataset share one copy), trained by repeated launches until every network has stopped, evaluated
// on the device with the shared functions, and downloaded. Launches are kept to a fraction of a
// second (the step budget adapts) so progress is counted and a cancel is obeyed between them. With a
// tail helper, the last networks of a part move to it when they would finish sooner there.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

#include "batch_layout.h"
#include "cuda_backend.h"
#include "cuda_check.h"
#include "device_batch.h"
#include "device_buffer.h"
#include "kernel_choice.h"
#include "kernels.h"
#include "perfgen/sharpness.h"

namespace perfgen::cuda {
namespace {

// One thread per network: the one-thread functions, so a network trained in the CPU's order is
// evaluated to the CPU's bits.
__global__ void evaluate(DeviceBatch b, DeviceEvaluation e) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= b.count) return;
  const DeviceTrial& t = b.trials[i];
  DeviceResult& r = b.results[i];
  if (!r.done) return;  // cancelled while training, or finished by the tail helper
  const double* theta = b.theta + t.theta;
  r.generalization = generalization_error(t.shape, theta, e.test);
  r.branch =
      classify_branch(t.shape, theta, e.target_weights, e.tolerances, e.final_a + t.neurons, e.distance + t.neurons);
  r.sharpness = loss_sharpness(t.shape, theta, DataView{b.inputs + t.inputs, b.targets + t.targets, t.n}, t.train.loss,
                               b.scratch + t.scratch);
}

// The part's networks that have not stopped, resumed on the tail helper from where the device left
// them (the helper trains and evaluates them; the part's evaluation kernel then skips them, as it
// skips every network that has not stopped on the device). Returns false
// when a cancel stopped the helper: its finished networks are kept, as the device's are.
bool finish_on_helper(TailHelper& helper, const std::vector<MaterializedTrial>& trials,
                      const std::vector<std::size_t>& members, const BatchLayout& part,
                      const DeviceBuffer<DeviceResult>& results, const DeviceBuffer<double>& theta,
                      const EvaluationContext& context, std::vector<TrialOutcome>& outcomes, TrainControl& control) {
  std::vector<std::size_t> handed;
  const std::vector<DeviceResult> state = results.to_host();
  const std::vector<MaterializedTrial> rest =
      unfinished_networks(trials, members, part, state, theta.to_host(), handed);
  for (const std::size_t k : handed) control.started -= state[k].started;  // the helper counts them as started
  std::vector<TrialOutcome> rest_outcomes;
  bool completed = true;
  try {
    helper.backend->train(rest, context, rest_outcomes, control);
  } catch (const TrainingCancelled&) {
    completed = false;
  }
  rest_outcomes.resize(rest.size());
  for (std::size_t j = 0; j < rest.size(); ++j) {
    if (!rest_outcomes[j].finished) continue;
    rest_outcomes[j].trained_on = TrainedOn::cuda_then_cpu;
    outcomes[members[handed[j]]] = std::move(rest_outcomes[j]);
  }
  return completed;
}

// One network's steps per second on the helper: the median over the part's first, middle and last
// networks (one that diverges within the timing would give a rate of a few steps alone).
double helper_rate_for(const TailHelper& helper, const std::vector<MaterializedTrial>& trials,
                       const std::vector<std::size_t>& members) {
  double rates[3];
  for (int k = 0; k < 3; ++k) rates[k] = helper.network_steps_per_second(trials[members[k * (members.size() - 1) / 2]]);
  std::sort(rates, rates + 3);
  return rates[1];
}

}  // namespace

CudaBackend::CudaBackend(int device, CudaOptions options) : device_(device), options_(options) {
  CUDA_CHECK(cudaSetDevice(device_));
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
  multiprocessors_ = prop.multiProcessorCount;
  description_ =
      std::string(prop.name) + ", compute capability " + std::to_string(prop.major) + "." + std::to_string(prop.minor);
}

CudaBackend::~CudaBackend() = default;

std::string CudaBackend::device() const { return description_; }

void CudaBackend::train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
                        std::vector<TrialOutcome>& outcomes, TrainControl& control) {
  outcomes.assign(trials.size(), {});
  last_kernels_.clear();
  if (trials.empty()) return;
  CUDA_CHECK(cudaSetDevice(device_));
  std::set<std::string> used;
  DeviceBuffer<double> test_inputs(context.test_inputs), test_targets(context.test_targets);
  DeviceBuffer<double> target_weights(context.target_weights);
  const DataView test{test_inputs.get(), test_targets.get(), static_cast<int>(context.test_targets.size())};

  for (const TrialGroup& group : group_trials(trials)) {
    const KernelChoice choice = choose_kernel(group, options_, multiprocessors_);
    used.insert(describe(choice));
    std::size_t free_bytes = 0, total_bytes = 0;
    CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    double largest = 0.0;
    for (const std::size_t i : group.members) largest = std::max(largest, trial_bytes(trials[i]));
    const std::size_t per_part =
        trials_per_part(free_bytes, total_bytes, largest, options_.device_sharers, options_.max_trials_per_part);
    if (per_part == 0)
      throw std::runtime_error("CUDA backend: one trial needs " + std::to_string(largest / 1048576.0) + " MiB, " +
                               std::to_string(free_bytes / 1048576.0) + " MiB of device memory are free");

    for (std::size_t start = 0; start < group.members.size(); start += per_part) {
      const std::vector<std::size_t> members(group.members.begin() + start,
                                             group.members.begin() + std::min(group.members.size(), start + per_part));
      const BatchLayout part = lay_out(trials, members);
      const int count = static_cast<int>(members.size());
      DeviceBuffer<DeviceTrial> records(part.records);
      DeviceBuffer<DeviceResult> results(std::vector<DeviceResult>(members.size(), DeviceResult{}));
      DeviceBuffer<double> theta(part.theta), inputs(part.inputs), targets(part.targets);
      DeviceBuffer<double> scratch(static_cast<std::size_t>(part.scratch));
      CUDA_CHECK(
          cudaMemset(scratch.get(), 0, static_cast<std::size_t>(part.scratch) * sizeof(double)));  // flow: step 0
      DeviceBuffer<double> final_a(static_cast<std::size_t>(part.neurons));
      DeviceBuffer<double> distance(static_cast<std::size_t>(part.neurons));
      DeviceBuffer<int> counters(std::vector<int>{0, 0});  // queue position, networks stopped
      DeviceBuffer<DeviceWork> work(std::vector<DeviceWork>{DeviceWork{}});
      const DeviceBatch batch{records.get(), count,         results.get(),  theta.get(),        inputs.get(),
                              targets.get(), scratch.get(), counters.get(), counters.get() + 1, work.get()};
      const DeviceLimits limits{multiprocessors_};

      std::int64_t budget = first_launch_steps(group), reported = 0;
      bool first_launch = true;    // its time holds the kernel's loading: no rate to hand the tail over on
      DeviceWork reported_work{};  // what control has been told of the workers' counts
      bool cancelled = false;      // then the networks that stopped are evaluated and kept, the others not
      double helper_rate = -1.0;   // one network's steps per second on the tail helper, measured when needed
      for (;;) {
        CUDA_CHECK(cudaMemset(batch.next, 0, sizeof(int)));
        const auto started = std::chrono::steady_clock::now();
        if (choice.kind == KernelKind::flow)
          launch_flow(batch, budget, limits);
        else if (choice.kind == KernelKind::per_block)
          launch_per_block(batch, budget, limits);
        else if (choice.kind == KernelKind::per_group)
          launch_per_group(batch, group.shape, choice.lanes, budget, limits);
        else
          launch_per_thread(batch, group.shape, choice.register_samples, budget, limits);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        int finished = 0;
        CUDA_CHECK(cudaMemcpy(&finished, batch.finished, sizeof(int), cudaMemcpyDeviceToHost));
        control.finished += finished - reported;
        reported = finished;
        const DeviceWork done_work = work.to_host().front();  // for the progress line's estimate
        control.steps += done_work.steps - reported_work.steps;
        control.finished_steps += done_work.finished_steps - reported_work.finished_steps;
        control.started += done_work.started - reported_work.started;
        reported_work = done_work;
        if (finished == count) break;
        if (control.cancelled()) {
          cancelled = true;
          break;
        }
        // A cheap test first: the helper's rate (a short training on the CPU) is measured only for a
        // kernel that can hand over, and only once at most 64 networks per CPU slot remain.
        if (tail_.backend && !first_launch && choice.kind == KernelKind::per_thread &&
            count - finished <= 64 * tail_.slots) {
          if (helper_rate < 0.0) helper_rate = helper_rate_for(tail_, trials, members);
          if (hands_tail_over(choice, count - finished, static_cast<double>(budget) / seconds, helper_rate,
                              tail_.slots)) {
            cancelled = !finish_on_helper(tail_, trials, members, part, results, theta, context, outcomes, control);
            break;
          }
        }
        budget = next_launch_steps(budget, seconds);
        first_launch = false;
      }
      const DeviceEvaluation evaluation{test, target_weights.get(), context.tolerances, final_a.get(), distance.get()};
      if (choice.kind == KernelKind::per_block) {  // a wide network's evaluation needs its block too
        launch_block_evaluation(batch, evaluation, limits);
      } else {
        constexpr int kThreads = 128;
        PERFGEN_LAUNCH((count + kThreads - 1) / kThreads, kThreads, evaluate)(batch, evaluation);
        CUDA_CHECK_LAUNCH();
      }

      const std::vector<DeviceResult> done = results.to_host();
      const std::vector<double> final_theta = theta.to_host(), a = final_a.to_host(), dist = distance.to_host();
      for (std::size_t k = 0; k < members.size(); ++k) {
        if (!done[k].done) continue;  // cancelled while it was training, or finished by the tail helper
        const DeviceTrial& t = part.records[k];
        TrialOutcome& out = outcomes[members[k]];
        out.finished = true;
        out.trained_on = TrainedOn::cuda;
        out.train = done[k].train;
        out.generalization = done[k].generalization;
        out.recovered = context.recovered(out.generalization);
        out.branch = done[k].branch;
        out.sharpness = done[k].sharpness;
        out.theta.assign(final_theta.begin() + t.theta, final_theta.begin() + t.theta + t.shape.param_count());
        out.final_a.assign(a.begin() + t.neurons, a.begin() + t.neurons + t.shape.width);
        out.distance.assign(dist.begin() + t.neurons, dist.begin() + t.neurons + t.shape.width);
      }
      if (cancelled) throw TrainingCancelled();
    }
  }
  for (const std::string& kernel : used) last_kernels_ += (last_kernels_.empty() ? "" : ", ") + kernel;
}

}  // namespace perfgen::cuda
