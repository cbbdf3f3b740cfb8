// How a part of a batch is laid out for the kernels (plain C++, no CUDA calls): one DeviceTrial per
// trial with offsets into flat buffers; trials that share a dataset share one copy of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "device_batch.h"
#include "perfgen/trial.h"

namespace perfgen::cuda {

struct BatchLayout {
  std::vector<DeviceTrial> records;
  std::vector<double> theta, inputs, targets;
  std::int64_t neurons = 0;  // doubles of each per-neuron output buffer
  std::int64_t scratch = 0;  // doubles of scratch
};

BatchLayout lay_out(const std::vector<MaterializedTrial>& trials, const std::vector<std::size_t>& members);

// The networks of a part that have not stopped, as trials a TailHelper resumes: theta0 where the device
// left θ (`theta`: the part's parameter buffer, downloaded) and first_iteration its step count.
// `handed` receives their positions in the part. Gradient descent only (flow keeps state besides θ).
std::vector<MaterializedTrial> unfinished_networks(const std::vector<MaterializedTrial>& trials,
                                                   const std::vector<std::size_t>& members, const BatchLayout& part,
                                                   const std::vector<DeviceResult>& results,
                                                   const std::vector<double>& theta, std::vector<std::size_t>& handed);

// Device bytes one trial needs at most (its data counted even when shared).
double trial_bytes(const MaterializedTrial& t);

// Trials of largest_trial_bytes each that one part may hold: 80% of the device memory this process
// may take, the free memory or its share of the total when `sharers` processes use the device (each
// measuring the free memory before the others allocate), at most max_trials (0: no limit).
std::size_t trials_per_part(std::size_t free_bytes, std::size_t total_bytes, double largest_trial_bytes, int sharers,
                            std::size_t max_trials);

}  // namespace perfgen::cuda
