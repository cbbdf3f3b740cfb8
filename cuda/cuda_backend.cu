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

// One part's trials on the device: their records, state, θ and data, scratch (zeroed: a flow network's
// step 0), the per-neuron outputs of the evaluation, and the queue's counters.
struct DevicePart {
  explicit DevicePart(const BatchLayout& layout)
      : records(layout.records),
        results(std::vector<DeviceResult>(layout.records.size(), DeviceResult{})),
        theta(layout.theta),
        inputs(layout.inputs),
        targets(layout.targets),
        scratch(static_cast<std::size_t>(layout.scratch)),
        final_a(static_cast<std::size_t>(layout.neurons)),
        distance(static_cast<std::size_t>(layout.neurons)),
        counters(std::vector<int>{0, 0}),
        work(std::vector<DeviceWork>{DeviceWork{}}),
        batch{records.get(),      static_cast<int>(layout.records.size()),
              results.get(),      theta.get(),
              inputs.get(),       targets.get(),
              scratch.get(),      counters.get(),
              counters.get() + 1, work.get()} {
    CUDA_CHECK(cudaMemset(scratch.get(), 0, static_cast<std::size_t>(layout.scratch) * sizeof(double)));
  }
  DeviceBuffer<DeviceTrial> records;
  DeviceBuffer<DeviceResult> results;
  DeviceBuffer<double> theta, inputs, targets, scratch, final_a, distance;
  DeviceBuffer<int> counters;  // queue position, networks stopped
  DeviceBuffer<DeviceWork> work;
  DeviceBatch batch;  // last: made of the buffers above
};

namespace {

void launch_training(const KernelChoice& choice, const NetShape& shape, const DeviceBatch& batch, std::int64_t budget,
                     const DeviceLimits& limits) {
  if (choice.kind == KernelKind::flow)
    launch_flow(batch, budget, limits);
  else if (choice.kind == KernelKind::per_block)
    launch_per_block(batch, budget, limits);
  else if (choice.kind == KernelKind::per_group)
    launch_per_group(batch, shape, choice.lanes, budget, limits);
  else
    launch_per_thread(batch, shape, choice.register_samples, budget, limits);
}

// Tells `control` what the workers have counted since it was last told: networks stopped, started, and
// their steps (the progress line's estimate is made of them). Returns the networks stopped so far.
class WorkReport {
 public:
  int update(const DevicePart& device, TrainControl& control) {
    int finished = 0;
    CUDA_CHECK(cudaMemcpy(&finished, device.batch.finished, sizeof(int), cudaMemcpyDeviceToHost));
    control.finished += finished - finished_;
    finished_ = finished;
    const DeviceWork work = device.work.to_host().front();
    control.steps += work.steps - work_.steps;
    control.finished_steps += work.finished_steps - work_.finished_steps;
    control.started += work.started - work_.started;
    work_ = work;
    return finished;
  }

 private:
  int finished_ = 0;
  DeviceWork work_{};
};

// The outcomes of the part's networks that stopped on the device; those cancelled while training, or
// finished by the tail helper, are left as they are.
void download_outcomes(const DevicePart& device, const BatchLayout& layout, const std::vector<std::size_t>& members,
                       const EvaluationContext& context, std::vector<TrialOutcome>& outcomes) {
  const std::vector<DeviceResult> done = device.results.to_host();
  const std::vector<double> theta = device.theta.to_host(), a = device.final_a.to_host(),
                            distance = device.distance.to_host();
  for (std::size_t k = 0; k < members.size(); ++k) {
    if (!done[k].done) continue;
    const DeviceTrial& t = layout.records[k];
    TrialOutcome& out = outcomes[members[k]];
    out.finished = true;
    out.trained_on = TrainedOn::cuda;
    out.train = done[k].train;
    out.generalization = done[k].generalization;
    out.recovered = context.recovered(out.generalization);
    out.branch = done[k].branch;
    out.sharpness = done[k].sharpness;
    out.theta.assign(theta.begin() + t.theta, theta.begin() + t.theta + t.shape.param_count());
    out.final_a.assign(a.begin() + t.neurons, a.begin() + t.neurons + t.shape.width);
    out.distance.assign(distance.begin() + t.neurons, distance.begin() + t.neurons + t.shape.width);
  }
}

}  // namespace

// A part of a group of trials on its way through the device, and what its evaluation reads besides.
struct CudaBackend::Part {
  const std::vector<MaterializedTrial>& trials;
  std::vector<std::size_t> members;  // its trials, as indices into `trials`
  const TrialGroup& group;
  KernelChoice choice;
  BatchLayout layout;
  DataView test;
  const double* target_weights;
};

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
      train_part({trials, members, group, choice, lay_out(trials, members), test, target_weights.get()}, context,
                 outcomes, control);
    }
  }
  for (const std::string& kernel : used) last_kernels_ += (last_kernels_.empty() ? "" : ", ") + kernel;
}

void CudaBackend::train_part(const Part& part, const EvaluationContext& context, std::vector<TrialOutcome>& outcomes,
                             TrainControl& control) {
  const DevicePart device(part.layout);
  const bool cancelled = launch_until_stopped(part, device, context, outcomes, control);
  const DeviceEvaluation evaluation{part.test, part.target_weights, context.tolerances, device.final_a.get(),
                                    device.distance.get()};
  if (part.choice.kind == KernelKind::per_block) {  // a wide network's evaluation needs its block too
    launch_block_evaluation(device.batch, evaluation, DeviceLimits{multiprocessors_});
  } else {
    constexpr int kThreads = 128;
    PERFGEN_LAUNCH((device.batch.count + kThreads - 1) / kThreads, kThreads, evaluate)(device.batch, evaluation);
    CUDA_CHECK_LAUNCH();
  }
  download_outcomes(device, part.layout, part.members, context, outcomes);
  if (cancelled) throw TrainingCancelled();
}

bool CudaBackend::launch_until_stopped(const Part& part, const DevicePart& device, const EvaluationContext& context,
                                       std::vector<TrialOutcome>& outcomes, TrainControl& control) {
  const DeviceLimits limits{multiprocessors_};
  const int count = device.batch.count;
  std::int64_t budget = first_launch_steps(part.group);
  bool first_launch = true;   // its time holds the kernel's loading: no rate to hand the tail over on
  double helper_rate = -1.0;  // one network's steps per second on the tail helper, measured when needed
  WorkReport report;
  for (;;) {
    CUDA_CHECK(cudaMemset(device.batch.next, 0, sizeof(int)));
    const auto started = std::chrono::steady_clock::now();
    launch_training(part.choice, part.group.shape, device.batch, budget, limits);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const int finished = report.update(device, control);
    if (finished == count) return false;
    if (control.cancelled()) return true;
    // A cheap test first: the helper's rate (a short training on the CPU) is measured only for a
    // kernel that can hand over, and only once at most 64 networks per CPU slot remain.
    if (tail_.backend && !first_launch && part.choice.kind == KernelKind::per_thread &&
        count - finished <= 64 * tail_.slots) {
      if (helper_rate < 0.0) helper_rate = helper_rate_for(tail_, part.trials, part.members);
      if (hands_tail_over(part.choice, count - finished, static_cast<double>(budget) / seconds, helper_rate,
                          tail_.slots))
        return !finish_on_helper(tail_, part.trials, part.members, part.layout, device.results, device.theta, context,
                                 outcomes, control);
    }
    budget = next_launch_steps(budget, seconds);
    first_launch = false;
  }
}

}  // namespace perfgen::cuda
