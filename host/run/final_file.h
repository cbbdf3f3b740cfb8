// The end of a complete run: its shards joined into the final file, the shards removed, the table
// and the run's figures printed.
#pragma once

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>

#include "hdf5_io.h"
#include "plan.h"
#include "shard_store.h"
#include "stage_times.h"

namespace perfgen {

class LiveFinalFile;

// How the final file is stored: chunks of a batch, shuffle + deflate at level 1 (bench/NOTES.md: at
// 10^5 trials level 4 made the merge ~25% slower for a file 2% smaller), encoded on every thread.
StorageLayout final_file_layout(const Plan& plan);

// wall_seconds < 0: the sum of the shards' own times (a merge of separate workers); trained_now < 0:
// not known (the same). With a live file that got every trial, it is finished instead of merging the
// shards again. Once *cancel is set, a merge from the shards stops with TrainingCancelled, leaving the
// shards and no output.
void merge_into_final(const Plan& plan, const ShardStore& store, const std::string& output, double wall_seconds,
                      std::int64_t trained_now, StageTimes& times, std::ostream& out, LiveFinalFile* live = nullptr,
                      const std::atomic<bool>* cancel = nullptr);

}  // namespace perfgen
