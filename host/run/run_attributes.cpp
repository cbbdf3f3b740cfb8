#include "run_attributes.h"

#include "build_info.h"
#include "results_schema.h"
#include "utc_time.h"

namespace perfgen {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double total_steps(const ColumnGroup& trials) {
  double steps = 0;
  for (std::int64_t it : trials.at("iterations").integer) steps += static_cast<double>(it);
  return steps;
}

FileAttributes shard_attributes(const Experiment& e, const std::string& config_hash, const std::string& backend,
                                const std::string& device, double wall_seconds, double steps,
                                const std::string* config) {
  FileAttributes a;
  a.text = {{"title", "perfgen results"},  {"name", e.name},
            {"perfgen_version", kVersion}, {"git_revision", kGitRevision},
            {"backend", backend},          {"device", device},
            {"created", utc_now()},        {"train_method", train_method_name(e.train.method)}};
  if (config) a.text.emplace_back("config", *config);
  a.text.emplace_back("config_hash", config_hash);
  a.integers = {{"schema_version", kSchemaVersion}};
  a.numbers = {{"wall_seconds", wall_seconds},
               {"network_steps_per_second", wall_seconds > 0 ? steps / wall_seconds : 0.0}};
  return a;
}

double busy_fraction(const StageTimes& times, double wall_seconds) {
  return wall_seconds > 0 ? times.seconds(Stage::train) / wall_seconds : 0.0;
}

FileAttributes final_attributes(const Experiment& e, const std::string& backend, const std::string& device,
                                double wall_seconds, double steps, const StageTimes& times, double merge_seconds) {
  FileAttributes a =
      shard_attributes(e, fingerprint(e.resolved_toml), backend, device, wall_seconds, steps, &e.resolved_toml);
  for (int s = 0; s < static_cast<int>(Stage::count); ++s) {
    const auto stage = static_cast<Stage>(s);
    a.numbers.emplace_back(std::string("seconds_") + stage_name(stage),
                           times.seconds(stage) + (stage == Stage::merge ? merge_seconds : 0.0));
  }
  a.numbers.emplace_back("train_busy_fraction", busy_fraction(times, wall_seconds));
  return a;
}

}  // namespace perfgen
