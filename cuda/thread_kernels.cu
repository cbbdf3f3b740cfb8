// The per-thread kernels of the tiny regime: one network per thread, the iteration loop inside the
// kernel, and a thread whose network stops claims the next one at once, so a warp is never held by
// its slowest member. Networks of the paper's two-neuron shapes with few samples live entirely in
// registers (θ, ∇ℓ, the samples, the activations); any other shape keeps its state in global memory.
#include <cuda_runtime.h>

#include "cuda_check.h"
#include "device_batch.h"
#include "kernels.h"

namespace perfgen::cuda {
namespace {

// Up to 8 samples the two-neuron networks fit in registers without spilling (ptxas -v, sm_90: 175
// registers for d = 1, 222 for d = 3); 16 samples spill.
constexpr int kRegisterSamples = 8;

// A network of compile-time shape with at most MaxCount samples. Every array index is a compile-time
// constant once the loops unroll, so nvcc keeps the arrays in registers (ptxas -v: no stack frame).
template <class Shape, int MaxCount>
struct RegisterNetwork {
  static constexpr int kParams = Shape::param_count();
  static constexpr int kInputs = MaxCount * Shape::input_dim;
  Shape shape;
  TrainSettings settings;
  std::int64_t iteration;
  int n;
  double theta[kParams], grad[kParams], x[kInputs], y[MaxCount];
  double work[MaxCount * (2 * Shape::width + 1)];

  __device__ void load(const DeviceBatch& b, int i) {
    const DeviceTrial& t = b.trials[i];
    shape.activation = t.shape.activation;
    settings = t.train;
    n = t.n;
    iteration = b.results[i].train.iterations;
#pragma unroll
    for (int p = 0; p < kParams; ++p) theta[p] = b.theta[t.theta + p];
#pragma unroll
    for (int q = 0; q < kInputs; ++q) x[q] = q < n * Shape::input_dim ? b.inputs[t.inputs + q] : 0.0;
#pragma unroll
    for (int q = 0; q < MaxCount; ++q) y[q] = q < n ? b.targets[t.targets + q] : 0.0;
  }
  __device__ bool step(TrainResult& result) {
    const double loss = loss_and_gradient(shape, theta, DataOf<double, MaxCount>{x, y, n}, settings.loss, grad, work);
    if (stop_or_descend(loss, kParams, grad, settings, iteration, theta, result)) return true;
    ++iteration;
    return false;
  }
  __device__ void store(const DeviceBatch& b, int i) const {
#pragma unroll
    for (int p = 0; p < kParams; ++p) b.theta[b.trials[i].theta + p] = theta[p];
    b.results[i].train.iterations = iteration;
  }
};

// Any shape: θ trains in place in the batch's parameter buffer, ∇ℓ and the activations in the
// trial's scratch slot.
struct GlobalNetwork {
  const DeviceTrial* trial;
  double* theta;
  double* grad;
  const double* inputs;
  const double* targets;
  std::int64_t iteration;

  __device__ void load(const DeviceBatch& b, int i) {
    trial = &b.trials[i];
    theta = b.theta + trial->theta;
    grad = b.scratch + trial->scratch;
    inputs = b.inputs + trial->inputs;
    targets = b.targets + trial->targets;
    iteration = b.results[i].train.iterations;
  }
  __device__ bool step(TrainResult& result) {
    const NetShape& s = trial->shape;
    const int count = s.param_count();
    const double loss = loss_and_gradient(s, theta, DataView{inputs, targets, trial->n}, trial->train.loss, grad,
                                          grad + count);
    if (stop_or_descend(loss, count, grad, trial->train, iteration, theta, result)) return true;
    ++iteration;
    return false;
  }
  __device__ void store(const DeviceBatch& b, int i) const { b.results[i].train.iterations = iteration; }
};

template <class Network>
__global__ void train_per_thread(DeviceBatch b, std::int64_t budget) {
  Network net;
  int i = claim_network(b);
  if (i < b.count) net.load(b, i);
  for (std::int64_t step = 0; i < b.count; ++step) {
    if (step == budget) {  // suspended: the next launch resumes it
      net.store(b, i);
      return;
    }
    TrainResult result;
    if (net.step(result)) {
      net.store(b, i);
      record_stop(b, i, result);
      i = claim_network(b);
      if (i < b.count) net.load(b, i);
    }
  }
}

template <class Network>
void launch(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits) {
  constexpr int kThreads = 128;
  int resident = 0;
  CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, train_per_thread<Network>, kThreads, 0));
  const int needed = (b.count + kThreads - 1) / kThreads;
  const int blocks = std::max(1, std::min(needed, resident * limits.multiprocessors));
  train_per_thread<Network><<<blocks, kThreads>>>(b, budget);
  CUDA_CHECK_LAUNCH();
}

template <class Shape>
bool launch_in_registers(const DeviceBatch& b, const NetShape& shape, int max_n, std::int64_t budget,
                         const DeviceLimits& limits) {
  if (!Shape::matches(shape) || max_n > kRegisterSamples) return false;
  launch<RegisterNetwork<Shape, kRegisterSamples>>(b, budget, limits);
  return true;
}

}  // namespace

bool has_register_kernel(const NetShape& shape, int max_n) {
  return max_n <= kRegisterSamples && (FixedShape<2, 1, true>::matches(shape) || FixedShape<2, 3, true>::matches(shape));
}

void launch_per_thread(const DeviceBatch& b, const NetShape& shape, int max_n, std::int64_t budget,
                       const DeviceLimits& limits) {
  if (launch_in_registers<FixedShape<2, 1, true>>(b, shape, max_n, budget, limits)) return;
  if (launch_in_registers<FixedShape<2, 3, true>>(b, shape, max_n, budget, limits)) return;
  launch<GlobalNetwork>(b, budget, limits);
}

}  // namespace perfgen::cuda
