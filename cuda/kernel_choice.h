// Which kernel trains which trials (plain C++, no CUDA calls): the backend groups a batch's trials
// by layer sizes and register/block class, and picks one kernel per group.
#pragma once

#include <string>
#include <vector>

#include "cuda_backend.h"
#include "perfgen/trial.h"

namespace perfgen::cuda {

enum class KernelKind { per_thread, per_group, per_block, flow };

struct KernelChoice {
  KernelKind kind;
  int lanes;  // per_group only
};

// Trials that one kernel trains together: the same layer sizes, the same register/block class, and
// the same method (gradient flow has a kernel of its own).
struct TrialGroup {
  NetShape shape;
  bool flow = false;
  int max_n = 0;
  std::vector<std::size_t> members;
};

std::vector<TrialGroup> group_trials(const std::vector<MaterializedTrial>& trials);

KernelChoice choose_kernel(const TrialGroup& g, const CudaOptions& options, int multiprocessors);

// The kernel's name as `perfgen bench` and CudaBackend::last_kernels print it.
std::string describe(const KernelChoice& choice, const TrialGroup& g);

}  // namespace perfgen::cuda
