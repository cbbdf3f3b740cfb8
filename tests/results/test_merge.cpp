// Shards that hold runs of batches, and the merge that joins them in bounded memory: the file it
// writes equals the columns computed in memory, and the trials it holds at once do not grow with the
// sweep.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "cell_summary.h"
#include "errors.h"
#include "experiments.h"
#include "hdf5_io.h"
#include "merge.h"
#include "resource_check.h"
#include "result_files.h"
#include "results_schema.h"
#include "shard_store.h"
#include "shard_writer.h"
#include "temp_dir.h"
#include "training.h"

namespace perfgen {
namespace {

constexpr std::int64_t kBatch = 4;

Experiment sweep_of(int c_tilde_values) { return testing::c_tilde_sweep(c_tilde_values, kBatch); }

// Writes every batch of the plan into `store` through a ShardWriter that never writes on time alone:
// shards hold runs of up to 5 batches (stride 1 for even runs, as two workers of stride 2 otherwise).
void write_all_batches(const Plan& plan, const ShardStore& store, const testing::TrainedTrials& run) {
  const std::int64_t batches = (plan.trial_count() + kBatch - 1) / kBatch;
  for (std::int64_t worker = 0; worker < 2; ++worker) {
    ShardWriter writer(store, 2, kBatch, 1e9, [](double, double) { return FileAttributes{}; });
    for (std::int64_t b = worker; b < batches; b += 2) {
      const auto first = static_cast<std::size_t>(b * kBatch);
      const auto end = std::min<std::size_t>(first + kBatch, run.trials.size());
      const std::vector<MaterializedTrial> trials(run.trials.begin() + first, run.trials.begin() + end);
      const std::vector<TrialOutcome> outcomes(run.outcomes.begin() + first, run.outcomes.begin() + end);
      writer.add(b, result_groups(plan, trials, outcomes), 0.0, 0.0);
      if ((b / 2) % 5 == 4) writer.flush();
    }
    writer.flush();
  }
}

TEST(Merge, WritesWhatIsComputedInMemoryAndHoldsABoundedNumberOfTrials) {
  constexpr std::size_t kMaxRows = 16;      // 4 batches
  for (const int values : {10, 40, 320}) {  // 30 to 960 trials (3 per cell): up to 60 times the bound
    SCOPED_TRACE(values);
    testing::TempDir dir;
    const Experiment e = sweep_of(values);
    const Plan plan(e);
    const testing::TrainedTrials run = testing::train_trials(plan);
    const ShardStore store(dir.file("merged.h5"));
    store.create(e.resolved_toml);
    write_all_batches(plan, store, run);
    const ShardIndex index(store, (plan.trial_count() + kBatch - 1) / kBatch);
    EXPECT_GE(index.shards().size(), 2u);
    Hdf5Writer file(dir.file("merged.h5"), StorageLayout{kBatch, 1});
    const MergeReport report = merge_shards(plan, store, index, file, kMaxRows);
    file.close();
    EXPECT_LE(report.most_rows_held, 2 * kMaxRows);
    EXPECT_LE(report.most_cells_held, kMaxRows) << "/cells is written as it comes, not held whole";
    const ColumnGroup trials = trial_columns(plan, run.trials, run.outcomes);
    testing::expect_columns_of(trials, read_hdf5_group(dir.file("merged.h5"), "trials"));
    testing::expect_columns_of(cell_columns(plan, trials), read_hdf5_group(dir.file("merged.h5"), "cells"));
  }
}

TEST(Merge, RefusesAStoreWithABatchMissing) {
  testing::TempDir dir;
  const Experiment e = sweep_of(4);
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan, 0, kBatch);
  const ShardStore store(dir.file("partial.h5"));
  store.create(e.resolved_toml);
  store.write_shard({0, 0, 1}, {}, result_groups(plan, run.trials, run.outcomes), kBatch);
  const ShardIndex index(store, (plan.trial_count() + kBatch - 1) / kBatch);
  EXPECT_EQ(index.finished_batches(), 1);
  Hdf5Writer file(dir.file("partial.h5"), StorageLayout{kBatch, 1});
  EXPECT_THROW(merge_shards(plan, store, index, file, 16), std::runtime_error);
}

TEST(ShardWriter, GroupsRunsOfBatchesAndStartsAnotherShardAtAGap) {
  testing::TempDir dir;
  const Experiment e = sweep_of(8);  // 24 trials, 6 batches
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan);
  const ShardStore store(dir.file("grouped.h5"));
  store.create(e.resolved_toml);
  auto batch_groups = [&](std::int64_t b) {
    const std::vector<MaterializedTrial> trials(run.trials.begin() + b * kBatch, run.trials.begin() + (b + 1) * kBatch);
    const std::vector<TrialOutcome> outcomes(run.outcomes.begin() + b * kBatch,
                                             run.outcomes.begin() + (b + 1) * kBatch);
    return result_groups(plan, trials, outcomes);
  };
  ShardWriter writer(store, 1, kBatch, 1e9, [](double, double) { return FileAttributes{}; });
  for (const std::int64_t b : {0, 1, 2, 4})  // batch 3 finished earlier: a gap
    writer.add(b, batch_groups(b), 0.0, 0.0);
  writer.flush();
  const std::vector<Shard> shards = store.shards();
  ASSERT_EQ(shards.size(), 2u);
  EXPECT_EQ(shards[0].path, store.shard_path({0, 2, 1}));
  EXPECT_EQ(shards[1].path, store.shard_path({4, 4, 1}));
  EXPECT_EQ(read_hdf5_group(shards[0].path, "trials").at("trial").rows(), 3u * kBatch);

  ShardWriter every_batch(store, 1, kBatch, 0.0, [](double, double) { return FileAttributes{}; });
  every_batch.add(3, batch_groups(3), 0.0, 0.0);
  EXPECT_EQ(every_batch.shards_written(), 1u) << "with no save interval each batch is written at once";
  const ShardIndex index(store, 5);
  EXPECT_EQ(index.finished_batches(), 5);
  EXPECT_EQ(index.position(2), 2);
}

// The batches collected at the end of a part are written when the next part, as long as this one,
// would keep them past the save interval; not when it would not (a shard per part would be too many).
TEST(ShardWriter, WritesAtAPartsEndWhatWouldWaitPastTheSaveInterval) {
  testing::TempDir dir;
  const Experiment e = sweep_of(8);
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan);
  const ShardStore store(dir.file("due.h5"));
  store.create(e.resolved_toml);
  const std::vector<MaterializedTrial> trials(run.trials.begin(), run.trials.begin() + kBatch);
  const std::vector<TrialOutcome> outcomes(run.outcomes.begin(), run.outcomes.begin() + kBatch);
  ShardWriter writer(store, 1, kBatch, 3600.0, [](double, double) { return FileAttributes{}; });
  writer.add(0, result_groups(plan, trials, outcomes), 0.0, 0.0);
  writer.flush_if_due(60.0);
  EXPECT_EQ(writer.shards_written(), 0u) << "a minute's part: the batch can wait within the hour";
  writer.flush_if_due(3600.0);
  EXPECT_EQ(writer.shards_written(), 1u) << "an hour's part: the batch is written before it trains";
  writer.flush_if_due(3600.0);
  EXPECT_EQ(writer.shards_written(), 1u) << "nothing collected, nothing written";
  EXPECT_EQ(store.shards().size(), 1u);
}

TEST(ShardStore, ACheckpointKeepsSomeTrialsOfABatchUntilTheBatchsShardReplacesIt) {
  testing::TempDir dir;
  const Experiment e = sweep_of(10);
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan);
  const ShardStore store(dir.file("checkpointed.h5"));
  store.create(e.resolved_toml);
  // Trials 5 and 7 of batch 1 (trials 4-7), as an interrupted run leaves them.
  const std::vector<MaterializedTrial> kept_trials{run.trials[5], run.trials[7]};
  const std::vector<TrialOutcome> kept_outcomes{run.outcomes[5], run.outcomes[7]};
  store.write_checkpoint(1, FileAttributes{}, result_groups(plan, kept_trials, kept_outcomes));
  EXPECT_EQ(store.checkpointed_batches(), std::vector<std::int64_t>{1});
  EXPECT_EQ(ShardIndex(store, 8).finished_batches(), 0);  // a checkpoint is no shard
  const std::vector<ColumnGroup> read = store.read_checkpoint(1);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].at("trial").integer, (std::vector<std::int64_t>{5, 7}));
  EXPECT_EQ(read[0].at("iterations").integer,
            (std::vector<std::int64_t>{run.outcomes[5].train.iterations, run.outcomes[7].train.iterations}));

  ColumnGroup shuffled = read[0];  // rows 7, 5: sort_rows puts them back in trial order
  for (Column& c : shuffled.columns) std::reverse(c.integer.begin(), c.integer.end());
  for (Column& c : shuffled.columns)
    if (c.is_real() && c.row_width() == 1) std::reverse(c.real.begin(), c.real.end());
  sort_rows(shuffled, "trial");
  EXPECT_EQ(shuffled.at("trial").integer, (std::vector<std::int64_t>{5, 7}));
  EXPECT_EQ(shuffled.at("iterations").integer, read[0].at("iterations").integer);

  const std::vector<MaterializedTrial> batch(run.trials.begin() + 4, run.trials.begin() + 8);
  const std::vector<TrialOutcome> outcomes(run.outcomes.begin() + 4, run.outcomes.begin() + 8);
  store.write_shard({1, 1, 1}, FileAttributes{}, result_groups(plan, batch, outcomes), kBatch);
  EXPECT_TRUE(store.checkpointed_batches().empty());
  EXPECT_EQ(ShardIndex(store, 8).finished_batches(), 1);
}

// The ranks of one mpirun check the store while one of them writes config.toml through a temporary
// (PATH.tmp-PID, renamed into place): a temporary listed and gone before it is looked at is no foreign
// entry (it was: MpiRuns.TwoAndThreeRanksEqualOneProcess refused "holds config.toml.tmp-13070").
// Workers of one sweep started together each store their config: the same experiment again is taken,
// another one refused (a rename let the last worker's replace the first's, and merge mixed the two).
TEST(ShardStore, AnotherExperimentStoredAtTheSameMomentIsRefused) {
  testing::TempDir dir;
  const ShardStore store(dir.file("race.h5"));
  store.create("name = \"a\"\n");
  EXPECT_NO_THROW(store.create("name = \"a\"\n"));
  EXPECT_THROW(store.create("name = \"b\"\n"), InputError);
  EXPECT_EQ(store.stored_config(), "name = \"a\"\n");
  EXPECT_TRUE(store.foreign_entry().empty());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(store.directory()), {}), 1) << "no temporary left";
}

TEST(ShardStore, ATemporaryRenamedAwayWhileTheFolderIsReadIsNotForeign) {
  testing::TempDir dir;
  const ShardStore store(dir.file("shared.h5"));
  store.create("name = \"x\"\n");
  std::atomic<bool> stop{false};
  std::atomic<long> renames{0};
  std::thread writer([&] {
    const std::string config = store.directory() + "/config.toml", temporary = config + ".tmp-999999";
    while (!stop) {
      std::ofstream(temporary) << "name = \"x\"\n";
      std::rename(temporary.c_str(), config.c_str());
      ++renames;
    }
  });
  long reads = 0, foreign = 0;
  for (const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
       std::chrono::steady_clock::now() < end; ++reads)
    foreign += !store.foreign_entry().empty();
  stop = true;
  writer.join();
  EXPECT_GT(renames.load(), 100);
  EXPECT_EQ(foreign, 0) << "of " << reads << " reads";
}

TEST(CellSummaryBuilder, PieceByPieceEqualsAllAtOnceAndHandsOnCellsInOrder) {
  const Experiment e = sweep_of(10);
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan);
  const ColumnGroup all = trial_columns(plan, run.trials, run.outcomes);
  for (const std::size_t max_rows : {1u, 2u, 5u, 1000u}) {
    SCOPED_TRACE(max_rows);
    ColumnGroup cells;
    std::size_t most_cells = 0;
    CellSummaryBuilder builder(plan, max_rows, [&](ColumnGroup&& rows) {
      const std::int64_t next = cells.columns.empty() ? 0 : cells.at("cell").integer.back() + 1;
      EXPECT_EQ(rows.at("cell").integer.front(), next) << "consecutive cells, each once";
      most_cells = std::max(most_cells, rows.at("cell").rows());
      append_rows(cells, std::move(rows), "cell");
    });
    std::size_t most_held = 0;
    for (std::size_t first = 0; first < run.trials.size(); first += 3) {  // pieces that split cells
      const std::size_t end = std::min(first + 3, run.trials.size());
      const std::vector<MaterializedTrial> trials(run.trials.begin() + first, run.trials.begin() + end);
      const std::vector<TrialOutcome> outcomes(run.outcomes.begin() + first, run.outcomes.begin() + end);
      builder.add(trial_columns(plan, trials, outcomes));
      most_held = std::max(most_held, builder.rows_held());
    }
    builder.finish();
    EXPECT_LE(most_held, std::max<std::size_t>(max_rows, 3) + 2)
        << "cells seen whole are aggregated once max_rows wait";
    EXPECT_LE(most_cells, max_rows);
    testing::expect_columns_of(cell_columns(plan, all), cells);
  }
}

TEST(CellSummaryBuilder, HandsOnCellsWithoutTrialsAndRefusesTrialsOutOfOrder) {
  const Experiment e = sweep_of(10);
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan);
  const ColumnGroup all = trial_columns(plan, run.trials, run.outcomes);
  // Only the trials of cells 2 and 7 finished, as in an unfinished run.
  const std::vector<MaterializedTrial> trials{run.trials[6], run.trials[7], run.trials[21]};
  const std::vector<TrialOutcome> outcomes{run.outcomes[6], run.outcomes[7], run.outcomes[21]};
  ColumnGroup cells;
  CellSummaryBuilder builder(plan, 4, [&](ColumnGroup&& rows) { append_rows(cells, std::move(rows), "cell"); });
  builder.add(trial_columns(plan, trials, outcomes));
  builder.finish();
  ASSERT_EQ(cells.at("cell").rows(), plan.cells().size());
  const std::vector<std::int64_t>& finished = cells.at("finished_trials").integer;
  EXPECT_EQ(finished, (std::vector<std::int64_t>{0, 0, 2, 0, 0, 0, 0, 1, 0, 0}));

  CellSummaryBuilder backwards(plan, 4, [](ColumnGroup&&) {});
  backwards.add(trial_columns(plan, {run.trials[21]}, {run.outcomes[21]}));
  EXPECT_THROW(backwards.add(trial_columns(plan, {run.trials[6]}, {run.outcomes[6]})), std::logic_error);
}

// The run holds three train() calls and a shard's rows, the merge a piece: neither grows with the
// sweep, so 10^8 Example-1 trials fit a 32 GiB workstation on either backend.
TEST(Resources, AHundredMillionTrialSweepFitsA32GiBWorkstation) {
  const Experiment million =
      testing::experiment_from("[sweep]\nc_tilde = {linspace = [0, 1, 1000]}\ndata_seed = {range = [0, 1000]}\n");
  const Experiment hundred_million =
      testing::experiment_from("[sweep]\nc_tilde = {linspace = [0, 1, 10000]}\ndata_seed = {range = [0, 10000]}\n");
  const Plan small(million), large(hundred_million);
  ASSERT_EQ(large.trial_count(), 100'000'000);
  constexpr double k32GiB = 32.0 * 1024 * 1024 * 1024;
  constexpr std::int64_t kGpuCall = std::int64_t{1} << 20;  // trials per call of the CUDA backend (2^20)
  for (const std::int64_t per_call : {std::int64_t{0}, kGpuCall}) {
    SCOPED_TRACE(per_call);
    const ResourceEstimate at_1e6 = estimate_resources(small, per_call), at_1e8 = estimate_resources(large, per_call);
    EXPECT_LT(at_1e8.memory_bytes(), 0.5 * k32GiB) << human_bytes(at_1e8.memory_bytes());
    EXPECT_LT(at_1e8.merge_memory_bytes, 1.1 * at_1e6.merge_memory_bytes + 8e6) << "only the cells may add";
    EXPECT_GT(at_1e8.disk_bytes, 90 * at_1e6.disk_bytes) << "the disk does grow with the trials";
  }
  EXPECT_GT(estimate_resources(large, kGpuCall).batch_memory_bytes, 10 * estimate_resources(large).batch_memory_bytes);
}

// The merge holds the trials of the cell it aggregates (exact quantiles), so the estimate grows with the
// trials of one cell, not with the number of cells times their trials.
TEST(ResourceEstimate, CountsTheTrialsOfTheLargestCell) {
  // A Plan keeps a reference to its Experiment: the experiments must outlive the plans.
  const Experiment cells_1000 = testing::experiment_from("[sweep]\nc_tilde = {linspace = [0, 1, 1000]}\n");
  const Experiment seeds_1e6 = testing::experiment_from("[sweep]\ninit_seed = {range = [0, 1000000]}\n");
  const Experiment seeds_1000 = testing::experiment_from("[sweep]\ninit_seed = {range = [0, 1000]}\n");
  const Plan many_cells(cells_1000), one_cell(seeds_1e6), one_cell_small(seeds_1000);
  EXPECT_GT(estimate_resources(one_cell).merge_memory_bytes - estimate_resources(one_cell_small).merge_memory_bytes,
            100e6);  // 10^6 trials held: about 130 MB
  EXPECT_LT(estimate_resources(many_cells).merge_memory_bytes - estimate_resources(one_cell_small).merge_memory_bytes,
            1e6);  // 1000 cells of one trial: about 0.6 MB
}

// A recorded point holds θ only when asked: without it the estimate drops by the parameters of every
// recorded point, once in the merge's memory and twice on disk (the shards and the final file).
TEST(ResourceEstimate, CountsRecordedParametersOnlyWhenRecorded) {
  const std::string wide = "[model]\nwidth = 1000\n[trajectories]\ntrials = [0, 1]\ncheckpoints = 3000\n";
  const Experiment with_theta = testing::experiment_from(wide + "[sweep]\ninit_seed = {range = [0, 4]}\n");
  const Experiment without = testing::experiment_from(wide + "theta = false\n[sweep]\ninit_seed = {range = [0, 4]}\n");
  const Plan with_plan(with_theta), without_plan(without);
  const double parameters = 2.0 * 3002 * 3000 * sizeof(double);  // 2 trials, 3002 points, 3000 parameters
  const ResourceEstimate a = estimate_resources(with_plan), b = estimate_resources(without_plan);
  EXPECT_DOUBLE_EQ(a.merge_memory_bytes - b.merge_memory_bytes, parameters);
  EXPECT_DOUBLE_EQ(a.disk_bytes - b.disk_bytes, 2 * parameters);
  // Recording every trial puts the points in each trial's row, which the batches hold too.
  const std::string every = "[model]\nwidth = 1000\n[trajectories]\ntrials = \"all\"\ncheckpoints = 3000\n";
  const Experiment all_with = testing::experiment_from(every + "[sweep]\ninit_seed = {range = [0, 4]}\n");
  const Experiment all_without =
      testing::experiment_from(every + "theta = false\n[sweep]\ninit_seed = {range = [0, 4]}\n");
  const Plan all_with_plan(all_with), all_without_plan(all_without);
  const ResourceEstimate c = estimate_resources(all_with_plan), d = estimate_resources(all_without_plan);
  EXPECT_DOUBLE_EQ(c.row_bytes - d.row_bytes, 3002.0 * 3000 * sizeof(double));
  EXPECT_GT(c.batch_memory_bytes - d.batch_memory_bytes, 4 * (c.row_bytes - d.row_bytes));
  EXPECT_DOUBLE_EQ(c.disk_bytes - d.disk_bytes, 2 * 4 * (c.row_bytes - d.row_bytes));
  EXPECT_DOUBLE_EQ(estimate_resources(all_with_plan, 0, false).memory_bytes(), d.memory_bytes());
}

}  // namespace
}  // namespace perfgen
