// The final file written beside training (live_final_file.h).
#include "live_final_file.h"

#include <filesystem>
#include <system_error>

#include "final_file.h"

namespace perfgen {
namespace {

constexpr std::size_t kWaitingBatches = 2;  // batches queued for the file before the shard writer waits

}  // namespace

LiveFinalFile::LiveFinalFile(const Plan& plan, const ShardStore& store, StageTimes& times, bool serial)
    : plan_(plan),
      store_(store),
      times_(times),
      path_(store.directory() + "/final.h5.partial"),
      // Its own thread writes HDF5 while the shard writer does: only a thread-safe HDF5 allows that;
      // otherwise the batches are written on the shard writer's thread.
      queue_(serial || !hdf5_is_thread_safe() ? 0 : kWaitingBatches) {
  std::error_code ignored;  // one a killed run left behind
  std::filesystem::remove(path_, ignored);
}

LiveFinalFile::~LiveFinalFile() {
  try {
    queue_.finish();
  } catch (...) {  // abandoned files are removed below either way
  }
  merger_.reset();
  file_.reset();
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void LiveFinalFile::abandon() {
  abandoned_ = true;
  merger_.reset();
  file_.reset();
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void LiveFinalFile::add(ColumnGroup trials) {
  queue_.submit([this, trials = std::move(trials)] {
    if (abandoned_) return;
    try {
      const std::int64_t first = trials.at("trial").integer.front();
      times_.time(Stage::merge, [&] {
        if (!file_) {
          if (first != 0) return abandon();
          file_ = std::make_unique<Hdf5Writer>(path_, final_file_layout(plan_));
          merger_ = std::make_unique<TrialMerger>(plan_, *file_, merge_piece_rows(plan_), kTableRows);
        }
        if (first != merger_->trials_added()) return abandon();
        merger_->add(trials, first);
      });
    } catch (...) {  // the shards hold every batch: the merge after the run writes the file
      abandon();
    }
  });
}

std::optional<MergeReport> LiveFinalFile::finish(
    const std::string& output, const std::function<void(Hdf5Writer&, const MergeReport&)>& close_file) {
  queue_.finish();
  if (abandoned_ || !merger_ || merger_->trials_added() != plan_.trial_count()) {
    abandon();
    return std::nullopt;
  }
  MergeReport merged;
  replace_atomically(
      output,
      [&](const std::string&) {
        merged = merger_->finish(store_);
        close_file(*file_, merged);
        merger_.reset();
        file_.reset();
      },
      path_);
  return merged;
}

}  // namespace perfgen
