#include "merge.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "perfgen/backend.h"
#include "resource_check.h"

namespace perfgen {

std::size_t merge_piece_rows(const Plan& plan) {
  const double rows = kMergePieceBytes / std::max(1.0, estimate_resources(plan).row_bytes);
  return std::max<std::size_t>(static_cast<std::size_t>(plan.experiment().run.batch_size),
                               static_cast<std::size_t>(rows));
}

TrialMerger::TrialMerger(const Plan& plan, Hdf5Writer& file, std::size_t max_rows, std::size_t table_rows)
    : plan_(plan),
      file_(file),
      report_{CellTable(table_rows)},
      // /cells is written as its rows come, beside /trials: neither is held whole.
      cells_(plan, max_rows, [this](ColumnGroup&& rows) {
        if (!cells_begun_) file_.begin_group(rows, "cell", plan_.cells().size());
        cells_begun_ = true;
        report_.most_cells_held = std::max(report_.most_cells_held, rows.at("cell").rows());
        report_.table.add(rows);
        file_.write_next_rows(rows);
      }) {}

void TrialMerger::add(const ColumnGroup& trials, std::int64_t first_trial) {
  if (first_trial != trials_added_) throw std::logic_error("TrialMerger: trials out of order");
  if (trials_added_ == 0) file_.begin_group(trials, "trial", static_cast<std::size_t>(plan_.trial_count()));
  file_.write_rows(trials, static_cast<std::size_t>(first_trial));
  for (const std::int64_t it : trials.at("iterations").integer) report_.network_steps += static_cast<double>(it);
  cells_.add(trials);
  trials_added_ += static_cast<std::int64_t>(trials.at("trial").rows());
  report_.most_rows_held = std::max(report_.most_rows_held, trials.at("trial").rows() + cells_.rows_held());
}

MergeReport TrialMerger::finish(const ShardStore& store) {
  if (trials_added_ != plan_.trial_count()) throw std::logic_error("TrialMerger: trials missing");
  cells_.finish();
  const ColumnGroup trajectories = store.gather("trajectories", "traj");
  if (!trajectories.columns.empty()) file_.write_group(trajectories);
  return std::move(report_);
}

MergeReport merge_shards(const Plan& plan, const ShardStore& store, const ShardIndex& index, Hdf5Writer& file,
                         std::size_t max_rows, std::size_t table_rows, const std::atomic<bool>* cancel) {
  const std::int64_t batch_size = plan.experiment().run.batch_size, trials = plan.trial_count();
  const std::int64_t batches = batch_count(trials, batch_size);
  if (index.finished_batches() != batches)
    throw std::runtime_error("the shards in " + store.directory() + " hold " +
                             std::to_string(index.finished_batches()) + " of " + std::to_string(batches) + " batches");
  TrialMerger merger(plan, file, max_rows, table_rows);
  visit_finished_trials(index, batch_size, trials, max_rows, [&](const ColumnGroup& piece, std::int64_t first_trial) {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw TrainingCancelled();
    merger.add(piece, first_trial);
  });
  return merger.finish(store);
}

}  // namespace perfgen
