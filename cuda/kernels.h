// Host-side entry points of the training kernels (plain C++: the backend's orchestration calls them).
// Each call is one launch over the batch in which every worker takes at most `budget` steps; it
// returns once the launch has finished. The backend relaunches until every network has stopped.
#pragma once

#include <cstdint>

#include "device_batch.h"

namespace perfgen::cuda {

struct DeviceLimits {
  int multiprocessors;
};

// Networks of the paper's two-neuron shapes (d = 1 or 3, bias) with n ≤ 8 train in registers.
bool has_register_kernel(const NetShape& shape, int max_n);

// One network per thread (every network of the batch has `shape` and at most max_n samples).
void launch_per_thread(const DeviceBatch& b, const NetShape& shape, int max_n, std::int64_t budget,
                       const DeviceLimits& limits);

// One network per group of `lanes` lanes (2..32, a power of two), for the two-neuron shapes; each
// lane holds at most kSamplesPerLane samples. smallest_group gives the smallest group that holds max_n samples
// (0: no group kernel for this shape or sample size); group_fits checks a requested size.
constexpr int kSamplesPerLane = 2;
int smallest_group(const NetShape& shape, int max_n);
bool group_fits(const NetShape& shape, int max_n, int lanes);
void launch_per_group(const DeviceBatch& b, const NetShape& shape, int lanes, std::int64_t budget,
                      const DeviceLimits& limits);

// Gradient flow, one network per thread (cuda/thread_worker.h: FlowNetwork); a step is one accepted
// integrator step.
void launch_flow(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits);

// One network per block of threads, for wide networks: chosen when n · param_count ≥ 2048.
bool wants_block_kernel(const NetShape& shape, int max_n);
void launch_per_block(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits);

}  // namespace perfgen::cuda
