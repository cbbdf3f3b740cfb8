// The end of a complete run: its shards joined into the final file, the shards removed, the table
// and the run's figures printed.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "plan.h"
#include "shard_store.h"
#include "stage_times.h"

namespace perfgen {

// wall_seconds < 0: the sum of the shards' own times (a merge of separate workers); trained_now < 0:
// not known (the same).
void merge_into_final(const Plan& plan, const ShardStore& store, const std::string& output, double wall_seconds,
                      std::int64_t trained_now, StageTimes& times, std::ostream& out);

}  // namespace perfgen
