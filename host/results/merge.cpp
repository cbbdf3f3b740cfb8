#include "merge.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "resource_check.h"

namespace perfgen {

std::size_t merge_piece_rows(const Plan& plan) {
  const double rows = kMergePieceBytes / std::max(1.0, estimate_resources(plan).row_bytes);
  return std::max<std::size_t>(static_cast<std::size_t>(plan.experiment().run.batch_size),
                               static_cast<std::size_t>(rows));
}

MergeReport merge_shards(const Plan& plan, const ShardStore& store, const ShardIndex& index, Hdf5Writer& file,
                         std::size_t max_rows, std::size_t table_rows) {
  const std::int64_t batch_size = plan.experiment().run.batch_size, trials = plan.trial_count();
  const std::int64_t batches = batch_count(trials, batch_size);
  if (index.finished_batches() != batches)
    throw std::runtime_error("the shards in " + store.directory() + " hold " +
                             std::to_string(index.finished_batches()) + " of " + std::to_string(batches) + " batches");
  MergeReport report{CellTable(table_rows)};
  // /cells is written as its rows come, beside /trials: neither is held whole.
  bool cells_begun = false;
  CellSummaryBuilder cells(plan, max_rows, [&](ColumnGroup&& rows) {
    if (!cells_begun) file.begin_group(rows, "cell", plan.cells().size());
    cells_begun = true;
    report.most_cells_held = std::max(report.most_cells_held, rows.at("cell").rows());
    report.table.add(rows);
    file.write_next_rows(rows);
  });
  bool begun = false;
  visit_finished_trials(index, batch_size, trials, max_rows, [&](const ColumnGroup& piece, std::int64_t first_trial) {
    if (!begun) file.begin_group(piece, "trial", static_cast<std::size_t>(trials));
    begun = true;
    file.write_rows(piece, static_cast<std::size_t>(first_trial));
    for (const std::int64_t it : piece.at("iterations").integer) report.network_steps += static_cast<double>(it);
    cells.add(piece);
    report.most_rows_held = std::max(report.most_rows_held, piece.at("trial").rows() + cells.rows_held());
  });
  cells.finish();
  const ColumnGroup trajectories = store.gather("trajectories", "traj");
  if (!trajectories.columns.empty()) file.write_group(trajectories);
  return report;
}

}  // namespace perfgen
