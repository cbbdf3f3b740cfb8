// The CUDA backend: trains a batch on one GPU with the kernel that suits each group of trials (one
// network per thread, a network spread over a group of lanes when there are too few networks to
// fill the GPU, a block per network for wide ones), evaluates on the device, and splits a batch
// larger than the device's free memory into parts. This header is plain C++: host code constructs
// the backend without nvcc.
#pragma once

#include <string>

#include "perfgen/backend.h"

namespace perfgen::cuda {

struct CudaOptions {
  // Lanes per network for the two-neuron shapes: 0 chooses (one lane per network when the group of
  // trials has enough networks to fill the GPU, else the smallest group that holds the samples);
  // 1 forces one network per thread; 2..32 force that group size where it holds the samples.
  int lanes_per_network = 0;
  // At most this many trials on the device at once (0: as many as fit in 80% of its free memory).
  std::size_t max_trials_per_part = 0;
  // Processes of this node that use the same device (MPI ranks): each takes at most its share of the
  // device memory (trials_per_part).
  int device_sharers = 1;
  // Samples the per-thread register kernel holds: 0 takes the smallest compiled count that holds the
  // group's samples (cuda/kernels.h); a larger compiled count is taken when asked for (perfgen bench
  // compares them).
  int register_samples = 0;
};

struct DevicePart;  // one part's buffers on the device (cuda_backend.cu)

class CudaBackend : public Backend {
 public:
  // About a million Example-1 networks are resident at once on an H100/H200; the backend splits a
  // call further when the device has less free memory.
  static constexpr std::int64_t kTrialsPerCall = std::int64_t{1} << 20;

  explicit CudaBackend(int device = 0, CudaOptions options = {});
  ~CudaBackend() override;
  std::string name() const override { return "cuda"; }
  std::string device() const override;
  void train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
             std::vector<TrialOutcome>& outcomes, TrainControl& control) override;
  std::int64_t trials_per_call() const override { return kTrialsPerCall; }
  // The flow kernel (FlowNetwork) is built and tested on the host, but has not run on a GPU yet: until
  // CudaBackend.IntegratesGradientFlowLikeTheCpu has passed on a device, runs hand flow trials to the
  // CPU (train() itself trains them, for that test).
  bool trains_flow() const override { return false; }
  // The kernels the last train() used, e.g. "per thread (registers)"; for the benchmark's table.
  const std::string& last_kernels() const { return last_kernels_; }
  // From now on, the last networks of a part go to the helper when they would finish sooner there
  // (hands_tail_over); their outcomes say TrainedOn::cuda_then_cpu. Unless a lane count was asked
  // for, the two-neuron shapes then train one per thread even when few: only that kernel hands over
  // (the helper serves the few-networks case the lane groups are for; docs/CUDA.md).
  void set_tail_helper(TailHelper helper) {
    tail_ = std::move(helper);
    if (options_.lanes_per_network == 0) options_.lanes_per_network = 1;
  }

 private:
  struct Part;  // a part of a group of trials, as much as fits the device (cuda_backend.cu)
  // Uploads, trains (with the tail helper, if any), evaluates and downloads one part.
  void train_part(const Part& part, const EvaluationContext& context, std::vector<TrialOutcome>& outcomes,
                  TrainControl& control);
  // Launches the part's kernel until every network has stopped (false), a cancel comes (true), or the
  // tail helper has taken the networks left (true when a cancel stopped it there). Launches are kept to
  // a fraction of a second (next_launch_steps), so progress is counted and a cancel obeyed between them.
  bool launch_until_stopped(const Part& part, const DevicePart& device, const EvaluationContext& context,
                            std::vector<TrialOutcome>& outcomes, TrainControl& control);
  int device_;
  CudaOptions options_;
  int multiprocessors_ = 0;
  std::string description_;
  std::string last_kernels_;
  TailHelper tail_;
};

}  // namespace perfgen::cuda
