// Which kernel trains which trials (plain C++, no CUDA calls): the kernel policy, in one place. The
// backend groups a batch's trials by method, layer sizes and register/block class, and picks one
// kernel per group.
#pragma once

#include <string>
#include <vector>

#include "cuda_backend.h"
#include "perfgen/trial.h"

namespace perfgen::cuda {

enum class KernelKind { per_thread, per_group, per_block, flow };

struct KernelChoice {
  KernelKind kind;
  int lanes;                 // per_group only
  int register_samples = 0;  // per_thread only: the samples its registers hold (0: global memory)
};

// Trials that one kernel trains together: the same layer sizes, the same register/block class, and
// the same method (gradient flow has a kernel of its own).
struct TrialGroup {
  NetShape shape;
  bool flow = false;
  int max_n = 0;
  std::vector<std::size_t> members;
};

// The classes of trials, from what the kernels are built for (cuda/kernels.h):
// networks of a compiled shape with n ≤ kRegisterSamples train in registers, one per thread (the
// kernel compiled for the fewest samples that hold them: register_samples);
bool has_register_kernel(const NetShape& shape, int max_n);
// the smallest lane group (2..32) whose lanes hold max_n samples, for a compiled shape (0: none);
int smallest_group(const NetShape& shape, int max_n);
// whether a requested group size holds them (a power of two from smallest_group to 32);
bool group_fits(const NetShape& shape, int max_n, int lanes);
// wide networks (n · param_count ≥ 2048) train one per block of threads.
bool wants_block_kernel(const NetShape& shape, int max_n);

std::vector<TrialGroup> group_trials(const std::vector<MaterializedTrial>& trials);

KernelChoice choose_kernel(const TrialGroup& g, const CudaOptions& options, int multiprocessors);

// Whether the `remaining` networks of a group would finish sooner on a tail helper (TailHelper). On
// the GPU each gets gpu_rate steps per second: below a full device they run side by side, each at the
// speed of one thread's dependent chain. On the helper each gets helper_rate while they fit its slots,
// proportionally less beyond. Only the per-thread gradient-descent kernel hands over: it computes the
// CPU's bits, so where the networks finish changes no result (the lane-group and block kernels sum
// in another order, and a hand-over timed by the clock would make their results vary run to run).
bool hands_tail_over(const KernelChoice& choice, int remaining, double gpu_rate, double helper_rate, int helper_slots);

// Steps per network of a part's first launch, which cannot be cancelled: at most 2^26 parameter-samples
// of one network (n · param_count per step, as the CPU's cancel checks), at most 4096 steps.
std::int64_t first_launch_steps(const TrialGroup& g);
// Steps of the next launch after one of `budget` steps took `seconds`: aimed at launches of 0.1 to
// 0.5 s, so that a cancel and the progress line wait at most that long. Shorter ones double; longer
// ones scale down by the time measured (a first launch of a minute is cut to ~0.3 s at once).
std::int64_t next_launch_steps(std::int64_t budget, double seconds);

// The kernel's name as `perfgen bench` and CudaBackend::last_kernels print it.
std::string describe(const KernelChoice& choice);

}  // namespace perfgen::cuda
