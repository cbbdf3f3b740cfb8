// The final file written while a run trains (host/run/live_final_file.cpp): fed the batches in order it
// writes the file the merge of the shards writes; a batch out of order, or a run that never gets every
// batch, leaves nothing behind and says so, so that the run merges from the shards.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "experiments.h"
#include "final_file.h"
#include "live_final_file.h"
#include "merge.h"
#include "result_files.h"
#include "results_schema.h"
#include "shard_store.h"
#include "temp_dir.h"
#include "training.h"

namespace perfgen {
namespace {

constexpr std::int64_t kBatch = 4;

Experiment sweep_of(int c_tilde_values) { return testing::c_tilde_sweep(c_tilde_values, kBatch); }

// The /trials group of batch b, as the run stores it.
ColumnGroup batch_trials(const Plan& plan, const testing::TrainedTrials& run, std::int64_t b) {
  const auto first = static_cast<std::size_t>(b * kBatch);
  const auto end = std::min<std::size_t>(first + kBatch, run.trials.size());
  const std::vector<MaterializedTrial> trials(run.trials.begin() + first, run.trials.begin() + end);
  const std::vector<TrialOutcome> outcomes(run.outcomes.begin() + first, run.outcomes.begin() + end);
  return result_groups(plan, trials, outcomes).front();
}

auto close_without_attributes = [](Hdf5Writer& file, const MergeReport&) { file.close(); };

TEST(LiveFinalFile, FedInOrderWritesWhatTheMergeOfTheShardsWrites) {
  testing::TempDir dir;
  const Experiment e = sweep_of(40);  // 120 trials in 30 batches, 40 cells over 3 data seeds
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan);
  const ShardStore store(dir.file("live.h5"));
  store.create(e.resolved_toml);
  const std::int64_t batches = plan.trial_count() / kBatch;
  for (std::int64_t b = 0; b < batches; ++b) store.write_shard({b, b, 1}, {}, {batch_trials(plan, run, b)}, kBatch);
  Hdf5Writer file(dir.file("merged.h5"), final_file_layout(plan));
  const MergeReport from_shards = merge_shards(plan, store, ShardIndex(store, batches), file, merge_piece_rows(plan));
  file.close();
  std::ostringstream shards_table;
  from_shards.table.print(shards_table);
  for (const bool serial : {true, false}) {
    SCOPED_TRACE(serial ? "serial" : "on its own thread");
    StageTimes times;
    std::optional<MergeReport> merged;
    {
      LiveFinalFile live(plan, store, times, serial);
      for (std::int64_t b = 0; b < batches; ++b) live.add(batch_trials(plan, run, b));
      merged = live.finish(dir.file("live.h5"), close_without_attributes);
    }
    ASSERT_TRUE(merged.has_value());
    EXPECT_FALSE(std::filesystem::exists(store.directory() + "/final.h5.partial"));
    EXPECT_GT(times.seconds(Stage::merge), 0.0) << "its writes count as the merge stage";
    for (const char* group : {"trials", "cells"})
      testing::expect_columns_of(read_hdf5_group(dir.file("merged.h5"), group),
                                 read_hdf5_group(dir.file("live.h5"), group));
    EXPECT_EQ(merged->network_steps, from_shards.network_steps);
    std::ostringstream live_table;
    merged->table.print(live_table);
    EXPECT_EQ(live_table.str(), shards_table.str());
  }
}

TEST(LiveFinalFile, ABatchOutOfOrderOrMissingLeavesNoFileAndNoResult) {
  testing::TempDir dir;
  const Experiment e = sweep_of(8);  // 24 trials, 6 batches
  const Plan plan(e);
  const testing::TrainedTrials run = testing::train_trials(plan);
  const ShardStore store(dir.file("gap.h5"));
  store.create(e.resolved_toml);
  StageTimes times;
  const std::string partial = store.directory() + "/final.h5.partial";
  for (const std::vector<std::int64_t> batches : {std::vector<std::int64_t>{1, 2, 3, 4, 5},  // a resumed run
                                                  std::vector<std::int64_t>{0, 1, 3, 4, 5},  // a gap
                                                  std::vector<std::int64_t>{0, 1, 2}}) {     // cancelled
    LiveFinalFile live(plan, store, times);
    for (const std::int64_t b : batches) live.add(batch_trials(plan, run, b));
    EXPECT_FALSE(live.finish(dir.file("gap.h5"), close_without_attributes).has_value());
    EXPECT_FALSE(std::filesystem::exists(partial));
    EXPECT_FALSE(std::filesystem::exists(dir.file("gap.h5")));
  }
  {
    LiveFinalFile interrupted(plan, store, times);  // destroyed before finish: a cancel or a failure
    interrupted.add(batch_trials(plan, run, 0));
  }
  EXPECT_FALSE(std::filesystem::exists(partial));
}

}  // namespace
}  // namespace perfgen
