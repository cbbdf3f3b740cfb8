// The CPU backend: all cores, each network trained to its own stopping criterion. The default
// kernel trains networks side by side in SIMD lanes (host/cpu/cpu_lanes.h); the scalar kernel trains
// one network per thread with train_network and serves as the reference.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "perfgen/backend.h"

namespace perfgen {

enum class CpuKernel { vector, scalar };

// Recovery, branch and sharpness of a trained network whose generalization error is known: the part of the
// evaluation both kernels share (each computes the error its own way over the same test set).
TrialOutcome evaluate_trained(const MaterializedTrial& trial, std::vector<double> theta, const TrainResult& result,
                              const GeneralizationError& generalization, const EvaluationContext& context);

// Training plus evaluation of one trial with the scalar kernel, on the calling thread. With a
// control, training checks for cancellation between chunks of steps (results do not change).
TrialOutcome train_and_evaluate(const MaterializedTrial& trial, const EvaluationContext& context,
                                TrainControl* control = nullptr);

// Gradient descent of one network from θ = theta (param_count numbers, updated in place) at iteration
// first_iteration to its stop, on the calling thread: the scalar kernel's loop, which checks for
// cancellation (TrainingCancelled) and counts its steps in control.
TrainResult descend_alone(const MaterializedTrial& trial, std::int64_t first_iteration, double* theta,
                          TrainControl* control);

// Steps per second each network like `example` gets from one core of `kernel` when the core is full:
// in a SIMD pack (vector), or alone (scalar: 2^14 steps of train_network from its θ0 with the stopping
// rule off, timed; a few milliseconds). The last network of a pack goes on alone, about twice as fast,
// so for few networks this is a lower bound.
double network_steps_per_second(const MaterializedTrial& example, CpuKernel kernel);

class CpuBackend : public Backend {
 public:
  explicit CpuBackend(int threads = 0, CpuKernel kernel = CpuKernel::vector);  // threads 0: all
  std::string name() const override { return "cpu"; }
  bool records_trajectories() const override { return true; }
  bool trains_flow() const override { return true; }
  std::string device() const override;
  int threads() const { return threads_; }
  // Networks trained side by side at full speed: threads × SIMD lanes (the scalar kernel: threads).
  int slots() const;
  void train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
             std::vector<TrialOutcome>& outcomes, TrainControl& control) override;

 private:
  int threads_;
  CpuKernel kernel_;
};

}  // namespace perfgen
