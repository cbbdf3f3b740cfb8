// The vectorized CPU kernel: networks of one shape train side by side in the lanes of SIMD packs.
// Each lane keeps one network until its own stop, then takes the next waiting one; once none is
// waiting, a pack's last network leaves it and finishes alone on the scalar loop.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "perfgen/backend.h"
#include "perfgen/trial.h"

namespace perfgen {

// Trains trials[members[k]] for k taken from next_member until members run out; the sharing_threads
// threads that drain the same members each start with at most their share. All members share shape,
// sample size and loss convention.
void train_in_lanes(const std::vector<MaterializedTrial>& trials, const std::vector<std::size_t>& members,
                    std::atomic<std::size_t>& next_member, int sharing_threads, const EvaluationContext& context,
                    std::vector<TrialOutcome>& outcomes, TrainControl& control);

// Steps per second of each network in a full pack of networks like `example`: 2^14 steps from its θ0,
// timed (a few milliseconds). A pack's last network, which leaves it, goes up to about twice as fast
// (AVX-512 and the paper's shapes; bench/NOTES.md).
double lane_steps_per_second(const MaterializedTrial& example);

int simd_lanes();
const char* simd_instruction_set();

}  // namespace perfgen
