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

// What the run that merges did (this process, or all ranks of an MPI job), for the file's figures and
// the line it prints: its wall seconds so far, and the trials and network-steps it trained (a resumed
// run trains only some). -1: not known (a merge of separate workers): the shards' own seconds are
// summed, and every row's steps counted.
struct RunFigures {
  double wall_seconds = -1;
  std::int64_t trained = -1;
  double steps = -1;
};

// The line `stages: plan … s, …; training busy …% of the wall time` of a run that took wall_seconds.
void print_stages(std::ostream& out, const StageTimes& times, double wall_seconds);

// With a live file that got every trial, it is finished instead of merging the shards again. Once
// *cancel is set, a merge from the shards stops with TrainingCancelled, leaving the shards and no output.
// notes (a run's stderr unless --quiet) hears when a merge from the shards begins: after a resume it
// takes seconds per 10^6 trials, after the progress line has said 100%. err hears warnings: a store
// that cannot be deleted once the file is in place (the exit stays 0; the file is whole).
void merge_into_final(const Plan& plan, const ShardStore& store, const std::string& output, RunFigures figures,
                      StageTimes& times, std::ostream& out, std::ostream& err, LiveFinalFile* live = nullptr,
                      const std::atomic<bool>* cancel = nullptr, std::ostream* notes = nullptr);

}  // namespace perfgen
