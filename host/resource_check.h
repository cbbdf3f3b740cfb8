// Memory and disk a sweep will need, estimated from the plan alone, so that a sweep too large for
// this machine is refused before any work with the numbers (exit 2) instead of failing hours later.
#pragma once

#include <string>

#include "perfgen/plan.h"

namespace perfgen {

struct ResourceEstimate {
  double row_bytes = 0;           // one trial's row in /trials
  double batch_memory_bytes = 0;  // the trials of one batch, materialized and trained, and their shard
  double merge_memory_bytes = 0;  // every row at once, as the final merge holds them (with copies)
  double test_set_bytes = 0;
  double disk_bytes = 0;  // shards and final file side by side, uncompressed upper bound

  double memory_bytes() const { return batch_memory_bytes + merge_memory_bytes + test_set_bytes; }
};

ResourceEstimate estimate_resources(const Plan& plan);

// Throws InputError("sweep", …) when the estimate exceeds the available memory or the free disk space
// in the folder that will hold `output_path`.
void check_resources(const Plan& plan, const std::string& output_path);

// "12.3 GiB" and the like.
std::string human_bytes(double bytes);

}  // namespace perfgen
