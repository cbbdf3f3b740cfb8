// Joining the trials of a finished sweep into the results file, in memory bounded by a piece of
// trials rather than by the sweep: from the shards after the run (merge_shards), or from the batches
// as the run stores them (TrialMerger fed by the run loop).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "cell_summary.h"
#include "cell_table.h"
#include "columns.h"
#include "hdf5_io.h"
#include "plan.h"
#include "shard_store.h"

namespace perfgen {

struct MergeReport {
  CellTable table;  // the recovery table of the /cells written
  double network_steps = 0;
  std::size_t most_rows_held = 0;   // trials in memory at once: a piece read plus those waiting for their cell
  std::size_t most_cells_held = 0;  // /cells rows in memory at once, besides a chunk waiting to be written
};

// How many trials the merge reads at once: pieces of about kMergePieceBytes, at least one batch.
std::size_t merge_piece_rows(const Plan& plan);

// Writes /trials pieces that arrive in trial order into `file`, and /cells beside them as each cell's
// trials have passed; finish() adds /trajectories (when trials recorded them) from the store.
class TrialMerger {
 public:
  TrialMerger(const Plan& plan, Hdf5Writer& file, std::size_t max_rows, std::size_t table_rows);
  TrialMerger(Plan&&, Hdf5Writer&, std::size_t, std::size_t) = delete;  // it keeps a reference
  TrialMerger(const TrialMerger&) = delete;                             // its cell sink points at this object
  TrialMerger& operator=(const TrialMerger&) = delete;
  void add(const ColumnGroup& trials, std::int64_t first_trial);  // first_trial: the next trial expected
  std::int64_t trials_added() const { return trials_added_; }
  MergeReport finish(const ShardStore& store);  // every trial of the plan added; then spent

 private:
  const Plan& plan_;
  Hdf5Writer& file_;
  MergeReport report_;
  bool cells_begun_ = false;
  CellSummaryBuilder cells_;
  std::int64_t trials_added_ = 0;
};

// Writes /trials in trial order, /cells and (when trials recorded them) /trajectories of a complete
// store into `file`, reading at most max_rows trials at a time (but whole batches); the report's table
// shows table_rows cells (0: all). Throws TrainingCancelled between pieces once *cancel is set.
MergeReport merge_shards(const Plan& plan, const ShardStore& store, const ShardIndex& index, Hdf5Writer& file,
                         std::size_t max_rows, std::size_t table_rows = kTableRows,
                         const std::atomic<bool>* cancel = nullptr);

}  // namespace perfgen
