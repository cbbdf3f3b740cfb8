// The end-to-end rows of `perfgen bench`: whole `perfgen run`s of the bench workload (plan,
// materialize, train, write shards, merge), so that what the host does around training shows.
#pragma once

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "commands.h"

namespace perfgen {

// The bench workload's overrides for `networks` trials (its c̃ axis) of `steps` steps each.
std::vector<std::string> bench_workload_overrides(std::int64_t networks, std::int64_t steps);

// One row per size in options.end_to_end_trials (0s skipped): trials/s and network-steps/s from the
// run's wall time, and its stage line. Each row is flushed as it completes. Returns false when a
// SIGINT or SIGTERM stopped it (`stop` set before a row, or the run of a row interrupted).
bool bench_end_to_end(BackendChoice backend, const std::string& workload_toml, const BenchOptions& options,
                      const std::atomic<bool>& stop, std::ostream& out);

}  // namespace perfgen
