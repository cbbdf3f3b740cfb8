// Joining the shards of a finished sweep into the results file, in memory bounded by a piece of
// trials rather than by the sweep.
#pragma once

#include <cstddef>

#include "columns.h"
#include "hdf5_io.h"
#include "plan.h"
#include "shard_store.h"

namespace perfgen {

struct MergeReport {
  ColumnGroup cells;
  double network_steps = 0;
  std::size_t most_rows_held = 0;  // trials in memory at once: a piece read plus those waiting for their cell
};

// How many trials the merge reads at once: pieces of about kMergePieceBytes, at least one batch.
std::size_t merge_piece_rows(const Plan& plan);

// Writes /trials in trial order, /cells and (when trials recorded them) /trajectories of a complete
// store into `file`, reading at most max_rows trials at a time (but whole batches).
MergeReport merge_shards(const Plan& plan, const ShardStore& store, const ShardIndex& index, Hdf5Writer& file,
                         std::size_t max_rows);

}  // namespace perfgen
