// What a shard and the final file record about the run that wrote them: provenance, timing, the
// config's hash, the seconds of each stage.
#pragma once

#include <chrono>
#include <string>

#include "columns.h"
#include "experiment.h"
#include "fingerprint.h"  // config_hash: --resume and merge refuse shards whose hash is not the run's
#include "stage_times.h"

namespace perfgen {

double seconds_since(std::chrono::steady_clock::time_point start);
// Σ iterations over a /trials group.
double total_steps(const ColumnGroup& trials);

// A shard's attributes: provenance, timing and the config's hash. The config text itself is stored
// once in the store's config.toml and once in the final file (`config`, given for that file only).
FileAttributes shard_attributes(const Experiment& e, const std::string& config_hash, const std::string& backend,
                                const std::string& device, double wall_seconds, double steps,
                                const std::string* config = nullptr);

// The share of the run's wall time spent in the backend's train(): on CUDA, the time the device
// holds a part (upload, kernels, download), so 1 − it is the time the GPU waits for the host.
double busy_fraction(const StageTimes& times, double wall_seconds);

// The final file's attributes: a shard's, the resolved config, and the seconds of each stage (of the
// merge, those until the attributes are written).
FileAttributes final_attributes(const Experiment& e, const std::string& backend, const std::string& device,
                                double wall_seconds, double steps, const StageTimes& times, double merge_seconds);

}  // namespace perfgen
