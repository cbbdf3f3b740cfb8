// Persistent tiny-regime kernel. The batch is flattened into device arrays (one record per trial with
// offsets into shared buffers); each launch lets every unfinished network run at most kChunk more
// steps with train_network, the same chunking the CPU's scalar kernel uses (results do not change),
// so the host can check for cancellation between launches. Evaluation (generalization error, branch,
// sharpness) runs on the device with the shared functions.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda_backend.h"
#include "cuda_check.h"
#include "perfgen/evaluation.h"
#include "perfgen/sharpness.h"
#include "perfgen/training.h"

namespace perfgen::cuda {
namespace {

constexpr std::int64_t kChunk = 1 << 20;  // steps per network and launch

struct DeviceTrial {
  NetShape shape;
  TrainSettings train;
  int n;
  std::int64_t theta;    // offset into the parameter buffer (param_count doubles)
  std::int64_t inputs;   // offset into the input buffer (n · input_dim)
  std::int64_t targets;  // offset into the target buffer (n)
  std::int64_t neurons;  // offset into the per-neuron outputs (width)
  std::int64_t scratch;  // offset into the scratch buffer
};

struct DeviceResult {
  TrainResult train;
  bool done;
  GeneralizationError generalization;
  BranchCounts branch;
  double sharpness;
};

template <class T>
class DeviceBuffer {  // owns device memory; freed without throwing
 public:
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count_) CUDA_CHECK(cudaMalloc(&data_, count_ * sizeof(T)));
  }
  DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) {
    if (count_) CUDA_CHECK(cudaMemcpy(data_, host.data(), count_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  ~DeviceBuffer() { cudaFree(data_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* get() const { return data_; }
  std::vector<T> to_host() const {
    std::vector<T> host(count_);
    if (count_) CUDA_CHECK(cudaMemcpy(host.data(), data_, count_ * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  std::size_t count_;
  T* data_ = nullptr;
};

// One launch: threads take networks from `next` until none is left; each runs one chunk.
__global__ void train_chunk(const DeviceTrial* trials, int count, DeviceResult* results, double* theta,
                            const double* inputs, const double* targets, double* scratch, int* next) {
  for (int i = atomicAdd(next, 1); i < count; i = atomicAdd(next, 1)) {
    DeviceResult& r = results[i];
    if (r.done) continue;
    const DeviceTrial& t = trials[i];
    TrainSettings chunk = t.train;
    const std::int64_t done = r.train.iterations;
    chunk.max_iters = t.train.max_iters - done < kChunk ? t.train.max_iters - done : kChunk;
    double* grad = scratch + t.scratch;
    double* workspace = grad + t.shape.param_count();
    TrainResult step = train_network(t.shape, DataView{inputs + t.inputs, targets + t.targets, t.n}, chunk,
                                     theta + t.theta, grad, workspace);
    step.iterations += done;
    r.train = step;
    r.done = step.status != TrainStatus::max_iters || step.iterations >= t.train.max_iters;
  }
}

__global__ void evaluate(const DeviceTrial* trials, int count, DeviceResult* results, const double* theta,
                         const double* inputs, const double* targets, double* scratch, const double* test_inputs,
                         const double* test_targets, int test_count, const double* target_weights,
                         BranchTolerances tolerances, double* final_a, double* distance) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const DeviceTrial& t = trials[i];
  DeviceResult& r = results[i];
  const double* final_theta = theta + t.theta;
  r.generalization = generalization_error(t.shape, final_theta, DataView{test_inputs, test_targets, test_count});
  r.branch =
      classify_branch(t.shape, final_theta, target_weights, tolerances, final_a + t.neurons, distance + t.neurons);
  r.sharpness = loss_sharpness(t.shape, final_theta, DataView{inputs + t.inputs, targets + t.targets, t.n},
                               t.train.loss, scratch + t.scratch);
}

}  // namespace

CudaBackend::CudaBackend(int device) : device_(device) {
  CUDA_CHECK(cudaSetDevice(device_));
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
  description_ =
      std::string(prop.name) + ", compute capability " + std::to_string(prop.major) + "." + std::to_string(prop.minor);
}

CudaBackend::~CudaBackend() = default;

std::string CudaBackend::device() const { return description_; }

void CudaBackend::train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
                        std::vector<TrialOutcome>& outcomes, TrainControl& control) {
  outcomes.assign(trials.size(), {});
  if (trials.empty()) return;
  CUDA_CHECK(cudaSetDevice(device_));
  std::vector<DeviceTrial> records;
  std::vector<double> theta, inputs, targets;
  std::int64_t neurons = 0, scratch = 0;
  for (const MaterializedTrial& t : trials) {
    const int n = t.data().count;
    records.push_back({t.shape, t.train, n, static_cast<std::int64_t>(theta.size()),
                       static_cast<std::int64_t>(inputs.size()), static_cast<std::int64_t>(targets.size()), neurons,
                       scratch});
    theta.insert(theta.end(), t.theta0.begin(), t.theta0.end());
    inputs.insert(inputs.end(), t.inputs.begin(), t.inputs.end());
    targets.insert(targets.end(), t.targets.begin(), t.targets.end());
    neurons += t.shape.width;
    scratch +=
        std::max(t.shape.param_count() + gradient_workspace_size(t.shape, n), sharpness_scratch_size(t.shape, n));
  }
  std::size_t free_bytes = 0, total_bytes = 0;
  CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const double needed = sizeof(double) * (theta.size() + inputs.size() + targets.size() + 2.0 * neurons + scratch) +
                        (sizeof(DeviceTrial) + sizeof(DeviceResult)) * records.size();
  if (needed > 0.9 * static_cast<double>(free_bytes))
    throw std::runtime_error("CUDA backend: a batch needs " + std::to_string(needed / 1048576.0) + " MiB, " +
                             std::to_string(free_bytes / 1048576.0) + " MiB free; lower run.batch_size");

  const int count = static_cast<int>(records.size());
  DeviceBuffer<DeviceTrial> d_trials(records);
  DeviceBuffer<DeviceResult> d_results(std::vector<DeviceResult>(records.size(), DeviceResult{}));
  DeviceBuffer<double> d_theta(theta), d_inputs(inputs), d_targets(targets);
  DeviceBuffer<double> d_scratch(static_cast<std::size_t>(scratch));
  DeviceBuffer<double> d_final_a(static_cast<std::size_t>(neurons)), d_distance(static_cast<std::size_t>(neurons));
  DeviceBuffer<double> d_test_inputs(context.test_inputs), d_test_targets(context.test_targets);
  DeviceBuffer<double> d_target_weights(context.target_weights);
  DeviceBuffer<int> d_next(1);

  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
  const int threads = 128;
  const int blocks = std::max(1, std::min((count + threads - 1) / threads, prop.multiProcessorCount * 16));
  std::int64_t reported = 0;
  for (;;) {  // one chunk of steps per launch, until every network has stopped
    CUDA_CHECK(cudaMemset(d_next.get(), 0, sizeof(int)));
    train_chunk<<<blocks, threads>>>(d_trials.get(), count, d_results.get(), d_theta.get(), d_inputs.get(),
                                     d_targets.get(), d_scratch.get(), d_next.get());
    CUDA_CHECK_LAUNCH();
    const std::vector<DeviceResult> results = d_results.to_host();
    const std::int64_t finished =
        std::count_if(results.begin(), results.end(), [](const DeviceResult& r) { return r.done; });
    control.finished += finished - reported;
    reported = finished;
    if (finished == count) break;
    if (control.cancelled()) throw TrainingCancelled();
  }
  evaluate<<<(count + threads - 1) / threads, threads>>>(
      d_trials.get(), count, d_results.get(), d_theta.get(), d_inputs.get(), d_targets.get(), d_scratch.get(),
      d_test_inputs.get(), d_test_targets.get(), static_cast<int>(context.test_targets.size()), d_target_weights.get(),
      context.tolerances, d_final_a.get(), d_distance.get());
  CUDA_CHECK_LAUNCH();

  const std::vector<DeviceResult> results = d_results.to_host();
  const std::vector<double> final_theta = d_theta.to_host(), final_a = d_final_a.to_host(),
                            distance = d_distance.to_host();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const DeviceTrial& t = records[i];
    TrialOutcome& out = outcomes[i];
    out.train = results[i].train;
    out.generalization = results[i].generalization;
    out.recovered = out.generalization.mean_squared < context.recovery_threshold;
    out.branch = results[i].branch;
    out.sharpness = results[i].sharpness;
    out.theta.assign(final_theta.begin() + t.theta, final_theta.begin() + t.theta + t.shape.param_count());
    out.final_a.assign(final_a.begin() + t.neurons, final_a.begin() + t.neurons + t.shape.width);
    out.distance.assign(distance.begin() + t.neurons, distance.begin() + t.neurons + t.shape.width);
  }
}

}  // namespace perfgen::cuda
