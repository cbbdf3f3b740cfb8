#include "shard_writer.h"

#include <algorithm>

namespace perfgen {
namespace {

double group_bytes(const ColumnGroup& g) {
  double bytes = 0;
  for (const Column& c : g.columns) bytes += 8.0 * static_cast<double>(c.size());
  return bytes;
}

double group_bytes(const std::vector<ColumnGroup>& groups) {
  double bytes = 0;
  for (const ColumnGroup& g : groups) bytes += group_bytes(g);
  return bytes;
}

// The group of `groups` named `name`, appended if there is none yet.
ColumnGroup& group_named(std::vector<ColumnGroup>& groups, const std::string& name) {
  auto found = std::find_if(groups.begin(), groups.end(), [&](const ColumnGroup& g) { return g.name == name; });
  if (found != groups.end()) return *found;
  groups.emplace_back().name = name;
  return groups.back();
}

}  // namespace

ShardWriter::ShardWriter(const ShardStore& store, std::int64_t stride, std::size_t chunk_rows, double seconds,
                         MakeAttributes attributes)
    : store_(store), stride_(stride), chunk_rows_(chunk_rows), seconds_(seconds), attributes_(std::move(attributes)) {}

void ShardWriter::add(std::int64_t batch, std::vector<ColumnGroup> groups, double wall_seconds, double network_steps) {
  if (!groups_.empty() && batch != batches_.last + stride_) flush();  // a shard holds one run of batches
  if (groups_.empty()) batches_ = {batch, batch, stride_};
  batches_.last = batch;
  bytes_ += group_bytes(groups);
  wall_seconds_ += wall_seconds;
  network_steps_ += network_steps;
  const bool write_now = bytes_ >= kShardBytes || seconds_since_write() >= seconds_;
  for (ColumnGroup& g : groups) {
    if (g.columns.empty()) continue;
    const std::string row_dim = g.columns.front().dims.front();  // trial, or traj for /trajectories
    ColumnGroup& shard = group_named(groups_, g.name);
    const bool first = shard.columns.empty();
    const std::size_t rows = g.columns.front().rows();
    const double bytes_per_row = group_bytes(g) / static_cast<double>(std::max<std::size_t>(rows, 1));
    append_rows(shard, std::move(g), row_dim);  // the first batch is moved in: no copy
    // A shard that goes on collecting gets room at once for what it can still take (the rest of
    // kShardBytes, then the batch that passes it), so that its columns do not grow by doubling. Not a
    // shard written now: reserving would copy its rows for nothing.
    if (first && !write_now)
      reserve_rows(shard, row_dim,
                   2 * rows + static_cast<std::size_t>((kShardBytes - bytes_) / std::max(bytes_per_row, 1.0)));
  }
  if (write_now) flush();
}

void ShardWriter::flush_if_due(double wait_seconds) {
  if (seconds_since_write() + wait_seconds >= seconds_) flush();
}

double ShardWriter::seconds_since_write() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_write_).count();
}

void ShardWriter::flush() {
  if (groups_.empty()) return;
  store_.write_shard(batches_, attributes_(wall_seconds_, network_steps_), groups_, chunk_rows_);
  groups_.clear();
  bytes_ = wall_seconds_ = network_steps_ = 0;
  last_write_ = std::chrono::steady_clock::now();
  ++shards_written_;
}

}  // namespace perfgen
