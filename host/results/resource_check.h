// Memory and disk a sweep will need, estimated from the plan alone, so that a sweep too large for
// this machine is refused before any work with the numbers (exit 2) instead of failing hours later.
#pragma once

#include <cstdint>
#include <string>

#include "plan.h"

namespace perfgen {

// The merge reads the shards a piece of about this many bytes of rows at a time (whole batches).
inline constexpr double kMergePieceBytes = 64.0 * 1024 * 1024;
// Parts of a run (one train() call's trials each) alive at once at most: one materializing, one
// training, one being written and the rest waiting for the writer (host/run/batch_loop.cpp).
inline constexpr int kPartsInFlight = 5;

struct ResourceEstimate {
  double row_bytes = 0;           // one trial's row in /trials
  double batch_memory_bytes = 0;  // kPartsInFlight parts (materializing, training, being written, two
                                  // waiting) and the rows collected for the next shard
  double merge_memory_bytes = 0;  // a piece of rows read and written, the cells, recorded trajectories
  double test_set_bytes = 0;
  double disk_bytes = 0;  // shards and final file side by side, uncompressed upper bound

  double memory_bytes() const { return batch_memory_bytes + merge_memory_bytes + test_set_bytes; }
};

// trials_per_call: the trials a backend trains per call (0: one batch, as the CPU backend does).
// count_theta false: as if the trajectories recorded no θ ([trajectories] theta = false).
ResourceEstimate estimate_resources(const Plan& plan, std::int64_t trials_per_call = 0, bool count_theta = true);

// Throws InputError("sweep", …) when the estimate exceeds the available memory or the free disk space
// in the folder that will hold `output_path`. `merges`: this process also merges (a whole run, rank 0
// of mpirun); a --shard worker does not, so the merge's memory is not asked of it. Where recorded θ is
// what does not fit, the message says what the run needs with [trajectories] theta = false.
void check_resources(const Plan& plan, const std::string& output_path, std::int64_t trials_per_call, bool merges);

// "12.3 GiB" and the like.
std::string human_bytes(double bytes);

}  // namespace perfgen
