// Collects a worker's finished batches into shards worth their fixed cost (~20 ms of HDF5 set-up and
// fsync each, bench/NOTES.md): a shard is written once it holds kShardBytes of rows or `seconds` have
// passed since the last one was written (`perfgen run --save-interval`), when the next batch does
// not continue its run of batches, on flush(), and on flush_if_due() when waiting for the next batch
// would pass `seconds`. SIGKILL loses the batches not yet in a shard (about `seconds` of work) and the
// trials in flight; SIGINT/SIGTERM lose nothing finished (the run writes the finished trials of
// unfinished batches to checkpoints, ShardStore::write_checkpoint).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "columns.h"
#include "shard_store.h"

namespace perfgen {

inline constexpr double kShardBytes = 64.0 * 1024 * 1024;

class ShardWriter {
 public:
  // A shard's root attributes from the training seconds and network steps of its batches.
  using MakeAttributes = std::function<FileAttributes(double wall_seconds, double network_steps)>;

  // stride: the distance between this worker's batches (K of --shard i/K); chunk_rows: the batch size.
  ShardWriter(const ShardStore& store, std::int64_t stride, std::size_t chunk_rows, double seconds,
              MakeAttributes attributes);

  // The result groups of one finished batch (/trials, and /trajectories if any), its training seconds
  // and network steps.
  void add(std::int64_t batch, std::vector<ColumnGroup> groups, double wall_seconds, double network_steps);
  void flush();  // writes what is collected, if anything
  // Writes what is collected if the next batch, due in about wait_seconds (a part's training time),
  // would come after `seconds` since the last write: the batches collected would wait past it.
  void flush_if_due(double wait_seconds);
  std::size_t shards_written() const { return shards_written_; }

 private:
  double seconds_since_write() const;

  const ShardStore& store_;
  std::int64_t stride_;
  std::size_t chunk_rows_;
  double seconds_;
  MakeAttributes attributes_;
  BatchRange batches_;
  std::vector<ColumnGroup> groups_;  // empty: nothing collected
  double bytes_ = 0, wall_seconds_ = 0, network_steps_ = 0;
  std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
  std::size_t shards_written_ = 0;
};

}  // namespace perfgen
