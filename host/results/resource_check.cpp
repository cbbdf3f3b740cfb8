#include "resource_check.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "available_memory.h"
#include "errors.h"
#include "shard_writer.h"

namespace perfgen {
namespace {

constexpr double kDouble = sizeof(double);
constexpr int kScalarColumns = 40;                      // the 1-D columns of /trials, counted generously
constexpr double kFinalFileOverheadBytes = 256 * 1024;  // /trials and /cells: ~75 datasets' headers
constexpr double kShardOverheadBytes = 160 * 1024;      // HDF5 headers of ~45 datasets: a 25-trial shard is ~130 KiB

double free_disk_bytes(const std::string& output_path) {
  const std::string folder = std::filesystem::absolute(output_path).parent_path().string();
  struct statvfs fs {};
  if (statvfs(folder.c_str(), &fs) != 0) return 1e18;
  return static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
}

}  // namespace

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 5) {
    bytes /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", bytes, units[unit]);
  return text;
}

ResourceEstimate estimate_resources(const Plan& plan, std::int64_t trials_per_call, bool count_theta) {
  const Experiment& e = plan.experiment();
  const double m = plan.max_width(), p = plan.max_params(), n = plan.max_n(), d = e.model.input_dim;
  const double weight_dim = d + (e.model.bias ? 1 : 0);
  const double trials = static_cast<double>(plan.trial_count());
  const double per_call =
      std::min<double>(std::max<std::int64_t>(trials_per_call, e.run.batch_size), trials);  // whole batches
  ResourceEstimate r;
  r.row_bytes = kDouble * (kScalarColumns + 3 * m + 2 * p + weight_dim);
  // A materialized trial (data, θ0, C, γ), its outcome (θ, a_k, distances), a training workspace.
  const double per_trial =
      kDouble * (n * d + n + p + m + weight_dim) + kDouble * (p + 2 * m) + kDouble * (n * (2 * m + 1) + p);
  const TrajectorySettings& t = e.trajectories;
  const double recorded = t.all ? trials : static_cast<double>(t.trials.size());
  const double recorded_row =
      kDouble * (t.checkpoints + 2) * ((t.theta && count_theta ? p : 0) + 6);  // θ, loss, iteration, times
  r.row_bytes += t.all ? recorded_row : 0.0;  // recording every trial: a row more
  const double recorded_bytes = t.all ? 0.0 : recorded * recorded_row;
  r.batch_memory_bytes = kPartsInFlight * per_call * (per_trial + 2 * r.row_bytes) + kShardBytes;
  const double piece_rows = std::min(trials, std::max<double>(e.run.batch_size, kMergePieceBytes / r.row_bytes));
  // A cell (the plan holds its coordinates; /cells rows are written as they come), and a trial of the
  // cell being aggregated, which the merge holds whole for its exact quantiles (27 bytes, and the
  // vectors' spare capacity). From the resident size of max_iters = 1 runs: 10^6, 2·10^6, 3·10^6
  // cells of one trial grow by ~55 B a cell; one cell of 3·10^6 trials holds ~35 B a trial
  // (bench/NOTES.md, 2026-12-01, second entry). A cell is counted at 160 B: with the rest of this
  // estimate that covers the peak of 10^6 cells, 423 MB (bench/NOTES.md, "after the shards' reserved
  // columns"), where 100 B fell 47 MB short.
  constexpr double kCellBytes = 160, kHeldTrialBytes = 60;
  const double trials_per_cell = static_cast<double>(plan.data_seeds().size() * plan.init_seeds().size());
  r.merge_memory_bytes = 3 * piece_rows * r.row_bytes + recorded_bytes + kCellBytes * plan.cells().size() +
                         kHeldTrialBytes * trials_per_cell;
  r.test_set_bytes = kDouble * e.eval.test_points * (d + 1);
  const double shards = std::ceil(trials / e.run.batch_size);  // at most one per batch (--save-interval 0)
  // The final file is written while the shards still exist: both hold every row, and each file its
  // HDF5 headers (a one-trial final file is ~210 KiB).
  r.disk_bytes = 2 * (trials * r.row_bytes + recorded_bytes) + shards * kShardOverheadBytes + kFinalFileOverheadBytes;
  return r;
}

void check_resources(const Plan& plan, const std::string& output_path, std::int64_t trials_per_call, bool merges) {
  const ResourceEstimate r = estimate_resources(plan, trials_per_call);
  const AvailableMemory memory = available_memory();
  const double disk = free_disk_bytes(output_path);
  const std::string trials = std::to_string(plan.trial_count());
  auto memory_of = [&](const ResourceEstimate& e) { return e.memory_bytes() - (merges ? 0.0 : e.merge_memory_bytes); };
  const double needed = memory_of(r);
  // Recorded θ can be most of a run (width 1000 at 10^5 checkpoints: 2.4 GB a trajectory): then say
  // what the run needs without it, where that fits. Estimated only for a refusal's message.
  const TrajectorySettings& t = plan.experiment().trajectories;
  const bool records_theta = t.theta && (t.all || !t.trials.empty());
  auto without_theta = [&] { return estimate_resources(plan, trials_per_call, false); };
  auto theta_hint = [&](double without, double limit) {
    return records_theta && without <= limit
               ? "; without θ in the trajectories ([trajectories] theta = false) it needs " + human_bytes(without)
               : std::string();
  };
  if (needed > 0.9 * memory.bytes)
    throw InputError(
        "sweep",
        "needs about " + human_bytes(needed) + " of memory (" + trials + " trials of " + human_bytes(r.row_bytes) +
            " per row, " + std::to_string(kPartsInFlight) + " x " +
            std::to_string(static_cast<std::int64_t>(std::min<double>(
                std::max<std::int64_t>(trials_per_call, plan.experiment().run.batch_size), plan.trial_count()))) +
            " trials in flight " + human_bytes(r.batch_memory_bytes) +
            (merges ? ", the merge " + human_bytes(r.merge_memory_bytes) + " for " +
                          std::to_string(plan.cells().size()) + " cells"
                    : std::string()) +
            ", test set " + human_bytes(r.test_set_bytes) + "), but " + human_bytes(memory.bytes) + " is available (" +
            memory.limited_by + "); split the sweep or narrow it" +
            (merges ? " (a --shard worker needs none for the merge)" : "") +
            theta_hint(memory_of(without_theta()), 0.9 * memory.bytes));
  if (r.disk_bytes > disk)
    throw InputError("sweep", "needs up to " + human_bytes(r.disk_bytes) + " of disk (" + trials + " trials of " +
                                  human_bytes(r.row_bytes) + " per row, shards and final file), but " +
                                  human_bytes(disk) + " is free where " + output_path + " goes" +
                                  theta_hint(without_theta().disk_bytes, disk));
}

}  // namespace perfgen
