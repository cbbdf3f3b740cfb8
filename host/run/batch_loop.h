// The training loop of a run: the batches this process owns that have no shard yet, materialized,
// trained and written as a pipeline.
#pragma once

#include <cstdint>
#include <string>

#include "columns.h"
#include "perfgen/backend.h"
#include "plan.h"
#include "shard_spec.h"
#include "shard_store.h"
#include "stage_times.h"

namespace perfgen {

class LiveFinalFile;

std::int64_t batch_count(const Plan& plan);

// What the run loop needs besides the plan, the backend and the store.
struct BatchLoop {
  const ShardSpec& shard;
  std::string config_hash;
  bool quiet;
  bool serial;  // every stage in turn on this thread (tests compare it with the pipeline)
  int threads;  // CPU threads: materialization, and the trials a GPU backend leaves to the CPU
  double save_interval_seconds;
  StageTimes& times;
  LiveFinalFile* live_final;  // given each whole batch as it is stored; null: none
};

// The trials this process owns, and of those the ones already in shards and checkpoints.
struct OwnTrials {
  std::int64_t mine = 0;
  std::int64_t already_done = 0;
};
OwnTrials count_own_trials(const Plan& plan, const ShardStore& store, const ShardSpec& shard);

// Trains the batches this process owns that have no shard yet, as a pipeline: the part after the
// current one is materialized while the current one trains, and the writer thread turns finished
// batches into shards meanwhile. A cancel stops the current part: its finished batches go to shards,
// the finished trials of the others to checkpoints; then TrainingCancelled reaches the caller.
void train_missing_batches(const Plan& plan, Backend& backend, const ShardStore& store, const BatchLoop& loop,
                           TrainControl& control);

}  // namespace perfgen
