// The batch as the CUDA kernels see it: one record per trial with offsets into shared buffers, the
// per-trial results, and a work queue. Every training kernel drains the same queue the same way:
// a worker (a thread, a group of lanes or a block) claims the next unfinished network, trains it
// until it stops or the launch's step budget is spent, writes θ and the result back, and claims the
// next. A network suspended by the budget resumes from its stored θ and iteration count in the
// next launch, so how the steps are split among launches never changes a result.
#pragma once

#include <cstdint>

#include "perfgen/evaluation.h"
#include "perfgen/network.h"
#include "perfgen/training.h"

namespace perfgen::cuda {

struct DeviceTrial {
  NetShape shape;
  TrainSettings train;
  int n;
  std::int64_t theta;    // offset into the parameter buffer (param_count doubles)
  std::int64_t inputs;   // offset into the input buffer (n · input_dim); trials with the same data share it
  std::int64_t targets;  // offset into the target buffer (n)
  std::int64_t neurons;  // offset into the per-neuron outputs (width)
  std::int64_t scratch;  // offset into the scratch buffer (what a kernel keeps in global memory, and
                         // then the evaluation kernel's sharpness work space)
};

struct DeviceResult {
  TrainResult train;  // train.iterations: steps taken so far, also while suspended
  int done;           // 1 once the network has stopped
  int started;        // 1 once a worker has claimed it (counted once in DeviceWork::started)
  GeneralizationError generalization;
  BranchCounts branch;
  double sharpness;
};

// What the workers have done, for the progress line's estimate (TrainControl's step counts): summed
// by every worker as it leaves a launch, as a network stops, and as a network is first claimed.
struct DeviceWork {
  long long steps;           // network-steps taken, by every network, finished or not
  long long finished_steps;  // the steps of the networks that have stopped
  long long started;         // networks claimed at least once
};

// Device pointers, passed to kernels by value.
struct DeviceBatch {
  const DeviceTrial* trials;
  int count;
  DeviceResult* results;
  double* theta;
  const double* inputs;
  const double* targets;
  double* scratch;
  int* next;      // the work queue's position (reset to 0 before each launch)
  int* finished;  // networks stopped so far
  DeviceWork* work;
};

// What the evaluation kernels read besides the batch, and where they write the per-neuron outputs
// (a_k and the distance to the target, at each trial's `neurons` offset). Device pointers, by value.
struct DeviceEvaluation {
  DataView test;                 // test.targets holds f*(x)
  const double* target_weights;  // w̃0
  BranchTolerances tolerances;
  double* final_a;
  double* distance;
};

// The queue's atomic increment: atomicAdd on the device, the compiler's atomic builtin on the host,
// where tests run the workers on threads (tests/support/cuda_on_host).
PERFGEN_HD int fetch_and_add(int* counter, int value) {
#if defined(__CUDA_ARCH__)
  return atomicAdd(counter, value);
#else
  return __atomic_fetch_add(counter, value, __ATOMIC_RELAXED);
#endif
}

PERFGEN_HD void add_to(long long* counter, long long value) {
#if defined(__CUDA_ARCH__)
  atomicAdd(reinterpret_cast<unsigned long long*>(counter), static_cast<unsigned long long>(value));
#else
  __atomic_fetch_add(counter, value, __ATOMIC_RELAXED);
#endif
}

// The next network index that has not stopped, or count when none is left.
PERFGEN_HD int claim_network(const DeviceBatch& b) {
  for (;;) {
    const int i = fetch_and_add(b.next, 1);
    if (i >= b.count) return i;
    DeviceResult& r = b.results[i];
    if (r.done) continue;
    if (!r.started) {  // one worker holds a network at a time: no race on the flag
      r.started = 1;
      add_to(&b.work->started, 1);
    }
    return i;
  }
}

PERFGEN_HD void record_stop(const DeviceBatch& b, int i, const TrainResult& result) {
  b.results[i].train = result;
  b.results[i].done = 1;
  add_to(&b.work->finished_steps, result.iterations);
  fetch_and_add(b.finished, 1);
}

}  // namespace perfgen::cuda
