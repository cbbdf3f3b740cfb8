#include "final_file.h"

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <optional>

#include "batch_loop.h"
#include "cell_table.h"
#include "hdf5_io.h"
#include "live_final_file.h"
#include "merge.h"
#include "perfgen/backend.h"
#include "run_attributes.h"

namespace perfgen {

namespace {

// The file is whole and in place once this runs: a store that cannot be deleted (a folder this user
// may not write) is said in a warning, not an error; the merge did what it was asked.
void remove_merged_store(const ShardStore& store, const std::string& output, std::ostream& err) {
  try {
    store.remove();
  } catch (const std::filesystem::filesystem_error& e) {
    // The store is deleted in place, or renamed to FOLDER.removing first (which may also be a user's
    // folder of that name, ShardStore::remove): what is left is the first of the two that is there.
    std::error_code ignored;
    const std::string left =
        std::filesystem::exists(store.directory(), ignored) ? store.directory() : store.removing_directory();
    // The entry that failed: a file in the folder, or the folder itself (a rename's target is not there).
    const bool second_is_there = !e.path2().empty() && std::filesystem::exists(e.path2(), ignored);
    const std::string where = second_is_there ? e.path2().string() : e.path1().string();
    err << "perfgen: warning: " << output << " is complete, but " << left << " could not be deleted ("
        << e.code().message() << ": " << where << "); every trial is in " << output << ", delete " << left
        << " yourself" << std::endl;
  }
}

}  // namespace

StorageLayout final_file_layout(const Plan& plan) {
  return StorageLayout{static_cast<std::size_t>(plan.experiment().run.batch_size), 1, 0};
}

void merge_into_final(const Plan& plan, const ShardStore& store, const std::string& output, RunFigures figures,
                      StageTimes& times, std::ostream& out, std::ostream& err, LiveFinalFile* live,
                      const std::atomic<bool>* cancel, std::ostream* notes) {
  const auto merge_start = std::chrono::steady_clock::now();
  const Experiment& e = plan.experiment();
  const ShardIndex index(store, batch_count(plan));
  if (index.shards().empty()) throw std::runtime_error("no shards in " + store.directory());
  const FileAttributes first = read_hdf5_attributes(index.shards().front().path);
  double wall_seconds = figures.wall_seconds;
  if (wall_seconds < 0) {
    wall_seconds = 0;
    for (const Shard& shard : index.shards())
      wall_seconds += read_hdf5_attributes(shard.path).number_of("wall_seconds").value_or(0.0);
  }
  const std::string backend = first.text_of("backend").value_or("?");
  const std::string device = first.text_of("device").value_or("?");
  // The steps the rate counts: the run's (this process's, or every rank's under mpirun), where known,
  // else every row's.
  auto run_steps = [&](const MergeReport& merged) { return figures.steps >= 0 ? figures.steps : merged.network_steps; };
  // The file records the merge up to its attributes; the line printed at the end has the whole merge.
  auto close_file = [&](Hdf5Writer& file, const MergeReport& merged) {
    const double so_far = seconds_since(merge_start);
    file.write_attributes(
        final_attributes(e, backend, device, wall_seconds + so_far, run_steps(merged), times, so_far));
    file.close();
  };
  std::optional<MergeReport> live_merged;
  try {
    if (live) live_merged = live->finish(output, close_file);
  } catch (...) {  // the shards hold every batch: merged from them below, and a real fault shows there
    live_merged.reset();
  }
  MergeReport merged = live_merged ? std::move(*live_merged) : MergeReport();
  if (!live_merged) {
    if (notes)
      *notes << "perfgen: merging the " << plan.trial_count() << " trials of " << store.directory() << " into "
             << output << std::endl;
    bool cancelled = false;  // replace_atomically removes the temporary and calls any exception a failed write
    try {
      replace_atomically(output, [&](const std::string& temporary) {
        Hdf5Writer file(temporary, final_file_layout(plan));
        try {
          merged = merge_shards(plan, store, index, file, merge_piece_rows(plan), kTableRows, cancel);
        } catch (const TrainingCancelled&) {
          cancelled = true;
          throw;
        }
        close_file(file, merged);
      });
    } catch (const std::exception&) {
      if (cancelled) throw TrainingCancelled();
      throw;
    }
  }
  remove_merged_store(store, output, err);
  times.add(Stage::merge, seconds_since(merge_start));
  wall_seconds += seconds_since(merge_start);
  merged.table.print(out);
  out << "wrote " << output << ": " << plan.trial_count() << " trials";
  if (e.train.method == TrainMethod::flow) out << " by gradient flow";
  if (figures.trained >= 0 && figures.trained < plan.trial_count())
    out << " (" << figures.trained << " trained by this run)";
  out << " in " << std::fixed << std::setprecision(1) << wall_seconds << " s, " << std::scientific
      << std::setprecision(2) << run_steps(merged) / wall_seconds << " network-steps/s on " << device << '\n'
      << std::defaultfloat;
  print_stages(out, times, wall_seconds);
}

void print_stages(std::ostream& out, const StageTimes& times, double wall_seconds) {
  out << "stages: " << times.report();
  if (times.seconds(Stage::train) > 0)
    out << "; training busy " << std::fixed << std::setprecision(0) << 100.0 * busy_fraction(times, wall_seconds)
        << "% of the wall time" << std::defaultfloat;
  else  // `perfgen merge`, a rank 0 or a worker that found its batches done: the wall time is others'
    out << " (this process trained nothing)";
  out << '\n';
}

}  // namespace perfgen
