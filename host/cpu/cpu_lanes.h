// The vectorized CPU kernel: networks of one shape train side by side in the lanes of SIMD packs.
// Each lane keeps one network from its first step to its own stop, then takes the next waiting one.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "perfgen/backend.h"
#include "perfgen/trial.h"

namespace perfgen {

// Trains trials[members[k]] for k taken from next_member until members run out; several threads may
// drain the same members. All members share shape, sample size and loss convention.
void train_in_lanes(const std::vector<MaterializedTrial>& trials, const std::vector<std::size_t>& members,
                    std::atomic<std::size_t>& next_member, const EvaluationContext& context,
                    std::vector<TrialOutcome>& outcomes, TrainControl& control);

// Steps per second of each network in a full pack of networks like `example`: 2^14 steps from its θ0,
// timed (a few milliseconds). A network left alone in its pack goes about twice as fast (cpu_lanes.cpp).
double lane_steps_per_second(const MaterializedTrial& example);

int simd_lanes();
const char* simd_instruction_set();

}  // namespace perfgen
