// Host-side entry points of the training kernels (plain C++: the backend's orchestration calls them).
// Each call is one launch over the batch in which every worker takes at most `budget` steps; it
// returns once the launch has finished. The backend relaunches until every network has stopped.
// Which kernel gets which trials is decided in one place, cuda/kernel_choice.cpp; the constants and the
// compiled shapes below are what the kernels are built for, and the choice reads them.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "device_batch.h"

namespace perfgen::cuda {

struct DeviceLimits {
  int multiprocessors;
};

// The shapes compiled into register kernels (per thread and per lane group): the paper's two-neuron
// shapes (with_paper_shape, perfgen/network.h). with_register_shape calls visit(FixedShape<...>{...})
// for the one that matches and returns its result, or false for any other shape.
template <class Visit>
bool with_register_shape(const NetShape& shape, Visit visit) {
  return with_paper_shape(shape, visit, [] { return false; });
}

// Samples a register network holds per thread: up to 8 the two-neuron networks fit in registers
// without spilling (ptxas -v, sm_90: 177 registers for d = 1, 224 for d = 3); 16 samples spill.
constexpr int kRegisterSamples = 8;
// The per-thread register kernel is compiled for each of these sample counts and a batch takes the
// smallest that holds its samples: the registers of unused samples cost occupancy (ptxas -v, sm_90,
// d = 1: 122, 148 and 177 registers for 4, 6 and 8 samples, which leave 4, 3 and 2 blocks of 128
// threads resident per multiprocessor; bench/NOTES.md). The results are the same bits in each.
using RegisterSampleCounts = std::integer_sequence<int, 4, 6, kRegisterSamples>;

template <int... Counts>
constexpr std::array<int, sizeof...(Counts)> counts_of(std::integer_sequence<int, Counts...>) {
  return {Counts...};
}
constexpr std::array kRegisterSampleCounts = counts_of(RegisterSampleCounts{});

// The smallest of kRegisterSampleCounts that holds max_n samples, or `forced` when that is one of
// them and holds them; 0 if none does (the network then lives in global memory).
constexpr int register_samples(int max_n, int forced = 0) {
  for (const int count : kRegisterSampleCounts)
    if (count == forced && max_n <= count) return count;
  for (const int count : kRegisterSampleCounts)
    if (max_n <= count) return count;
  return 0;
}

template <class Visit, int... Counts>
bool visit_register_samples(int samples, Visit visit, std::integer_sequence<int, Counts...>) {
  bool result = false;
  ((samples == Counts && (result = visit(std::integral_constant<int, Counts>{}), true)) || ...);
  return result;
}

// Calls visit(std::integral_constant<int, samples>{}) and returns its result when samples is one of
// RegisterSampleCounts (each compiled from that list); else false.
template <class Visit>
bool with_register_samples(int samples, Visit visit) {
  return visit_register_samples(samples, visit, RegisterSampleCounts{});
}

// One network per thread (every network of the batch has `shape`): in registers that hold
// `register_samples` samples (one of kRegisterSampleCounts, at least every network's n) for a
// compiled shape, else (register_samples 0) in global memory.
void launch_per_thread(const DeviceBatch& b, const NetShape& shape, int register_samples, std::int64_t budget,
                       const DeviceLimits& limits);

// One network per group of `lanes` lanes (2..32, a power of two), for the compiled shapes; each lane
// holds at most kSamplesPerLane samples.
constexpr int kSamplesPerLane = 2;
void launch_per_group(const DeviceBatch& b, const NetShape& shape, int lanes, std::int64_t budget,
                      const DeviceLimits& limits);

// Gradient flow, one network per thread (cuda/thread_worker.h: FlowNetwork); a step is one accepted
// integrator step.
void launch_flow(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits);

// One network per block of threads, for wide networks.
void launch_per_block(const DeviceBatch& b, std::int64_t budget, const DeviceLimits& limits);
// Their evaluation (test error, branch, sharpness), also one network per block: every stopped network.
void launch_block_evaluation(const DeviceBatch& b, const DeviceEvaluation& e, const DeviceLimits& limits);

}  // namespace perfgen::cuda
