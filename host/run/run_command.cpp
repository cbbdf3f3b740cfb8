// `perfgen run` and `perfgen merge`: config → plan → backend → shards → merged file → table.
// A run trains the batches it owns (all of them, or every K-th with --shard i/K) into shards; the
// merged file is written once every batch has its shard, by the run itself or by `perfgen merge`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <future>
#include <iomanip>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include "background_queue.h"
#include "build_info.h"
#include "cell_summary.h"
#include "command_support.h"
#include "commands.h"
#include "cpu_backend.h"
#include "cuda_backend.h"
#include "device_probe.h"
#include "experiment_file.h"
#include "file_check.h"
#include "hdf5_io.h"
#include "interrupt.h"
#include "materialize.h"
#include "merge.h"
#include "output_protocol.h"
#include "parallel.h"
#include "process_group.h"
#include "progress.h"
#include "resource_check.h"
#include "results_schema.h"
#include "run_lock.h"
#include "shard_store.h"
#include "shard_writer.h"
#include "stage_times.h"

namespace fs = std::filesystem;

namespace perfgen {
namespace {

// The final file: shuffle + deflate at level 1 (bench/NOTES.md: at 10^5 trials level 4 made the merge
// ~25% slower for a file 2% smaller).
constexpr int kFinalDeflateLevel = 1;

// Which batches this process trains: those with batch % count == index. A worker (--shard i/K, an MPI
// rank) shares the store with the others and leaves the merge to `perfgen merge` or rank 0.
struct ShardSpec {
  std::int64_t index = 0;
  std::int64_t count = 1;
  bool worker = false;
  bool owns(std::int64_t batch) const { return batch % count == index; }
};

ShardSpec parse_shard(const std::string& text) {
  if (text.empty()) return {};
  ShardSpec spec;
  spec.worker = true;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> spec.index >> slash >> spec.count) || slash != '/' || !in.eof() || spec.count < 1 || spec.index < 0 ||
      spec.index >= spec.count)
    throw InputError("--shard", "expected i/K with 0 <= i < K, got \"" + text + "\"");
  return spec;
}

std::string fingerprint(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a, 64 bit
  for (unsigned char ch : text) hash = (hash ^ ch) * 1099511628211ULL;
  std::ostringstream out;
  out << std::hex << std::setw(16) << std::setfill('0') << hash;
  return out.str();
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double total_steps(const ColumnGroup& trials) {
  double steps = 0;
  for (std::int64_t it : trials.at("iterations").integer) steps += static_cast<double>(it);
  return steps;
}

// A shard's attributes: provenance, timing and the config's hash. The config text itself is stored
// once in the store's config.toml and once in the final file (`config`, given for that file only).
FileAttributes shard_attributes(const Experiment& e, const std::string& config_hash, const std::string& backend,
                                const std::string& device, double wall_seconds, double steps,
                                const std::string* config = nullptr) {
  FileAttributes a;
  a.text = {{"title", "perfgen results"},   {"name", e.name},     {"perfgen_version", kVersion},
            {"git_revision", kGitRevision}, {"backend", backend}, {"device", device},
            {"created", utc_now()}};
  if (config) a.text.emplace_back("config", *config);
  a.text.emplace_back("config_hash", config_hash);
  a.integers = {{"schema_version", kSchemaVersion}};
  a.numbers = {{"wall_seconds", wall_seconds},
               {"network_steps_per_second", wall_seconds > 0 ? steps / wall_seconds : 0.0}};
  return a;
}

// The share of the run's wall time spent in the backend's train(): on CUDA, the time the device
// holds a part (upload, kernels, download), so 1 − it is the time the GPU waits for the host.
double busy_fraction(const StageTimes& times, double wall_seconds) {
  return wall_seconds > 0 ? times.seconds(Stage::train) / wall_seconds : 0.0;
}

// The final file's attributes: a shard's, the resolved config, and the seconds of each stage (of the
// merge, those until the attributes are written).
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

// The ranks of an MPI job on one node take the usable devices in turn, by node-local rank.
std::unique_ptr<Backend> choose_backend(const RunOptions& options, int local_rank, std::ostream& err) {
  std::string gpu;
  if (options.backend != "cpu") {
    const cuda::DeviceProbe probe = cuda::probe_devices();
    const std::vector<cuda::DeviceInfo> usable = cuda::usable_devices(probe);
    if (!usable.empty()) {
      auto backend = std::make_unique<cuda::CudaBackend>(usable[local_rank % usable.size()].index);
      if (options.backend == "auto" && !options.quiet)
        err << "perfgen: backend auto: using CUDA on " << backend->device() << '\n';
      return backend;
    }
    gpu = probe.devices.empty() ? "no usable CUDA device (" + probe.problem + ")"
                                : "no usable CUDA device (" + cuda::unusable_reason(probe.devices.front()) + ")";
    if (options.backend == "cuda") throw BackendUnavailable("--backend cuda: " + gpu);
  }
  auto backend = std::make_unique<CpuBackend>(options.threads,
                                              options.cpu_kernel == "scalar" ? CpuKernel::scalar : CpuKernel::vector);
  if (options.backend == "auto" && !options.quiet)
    err << "perfgen: backend auto: " << gpu << "; using the " << backend->device() << '\n';
  return backend;
}

// Trials the backend cannot train (a trajectory it does not record, gradient flow it does not
// integrate) go to the CPU backend (Backend contract).
void train_batch(Backend& backend, const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
                 std::vector<TrialOutcome>& outcomes, TrainControl& control) {
  auto needs_cpu = [&](const MaterializedTrial& t) {
    return (t.records_trajectory() && !backend.records_trajectories()) ||
           (t.train.method == TrainMethod::flow && !backend.trains_flow());
  };
  if (std::none_of(trials.begin(), trials.end(), needs_cpu)) return backend.train(trials, context, outcomes, control);
  std::vector<MaterializedTrial> plain, recorded;
  for (const MaterializedTrial& t : trials) (needs_cpu(t) ? recorded : plain).push_back(t);
  std::vector<TrialOutcome> plain_out, recorded_out;
  auto join_outcomes = [&] {  // also after a cancel, when some outcomes were never made
    plain_out.resize(plain.size());
    recorded_out.resize(recorded.size());
    outcomes.assign(trials.size(), {});
    std::size_t p = 0, r = 0;
    for (std::size_t i = 0; i < trials.size(); ++i)
      outcomes[i] = std::move(needs_cpu(trials[i]) ? recorded_out[r++] : plain_out[p++]);
  };
  try {
    backend.train(plain, context, plain_out, control);
    CpuBackend().train(recorded, context, recorded_out, control);
  } catch (const TrainingCancelled&) {
    join_outcomes();
    throw;
  }
  join_outcomes();
}

// Refuses, before any work, an output that cannot be written or that would lose data (the decision
// table of output_protocol.h). Returns true when the output already is the finished run, so that
// there is nothing to do.
bool prepare_output(const std::string& output, const ShardStore& store, const Experiment& e, const RunOptions& options,
                    const ShardSpec& shard) {
  if (fs::is_directory(output)) throw InputError("--output", output + " is a directory");
  const fs::path parent = fs::absolute(output).parent_path();
  if (!fs::is_directory(parent) || ::access(parent.c_str(), W_OK) != 0)
    throw InputError("--output", "cannot write to " + parent.string() + " (missing or not writable)");
  OutputFacts facts;
  facts.output_exists = fs::exists(output);
  facts.store_exists = store.exists();
  facts.store_has_config = store.has_config();
  facts.store_difference = [&] { return first_difference(store.stored_config(), e.resolved_toml); };
  facts.output_difference = [&] {  // an existing file may be damaged: read in a child (file_check.h)
    const std::string stored = read_in_child(
        [&] {
          try {
            return stored_results_config(output);
          } catch (const InputError&) {
            return std::string();  // not a results file: refused below with exit 2
          }
        },
        output);
    if (stored.empty()) throw InputError("--output", output + " is not a perfgen results file");
    return first_difference(stored, e.resolved_toml);
  };
  const OutputDecision decision =
      decide_output(facts, {shard.worker, options.resume, options.force}, output, store.directory());
  switch (decision.step) {
    case OutputStep::refuse:
      throw InputError(decision.key, decision.reason);
    case OutputStep::finished_remove_store:
      store.remove();
      return true;
    case OutputStep::finished:
      return true;
    case OutputStep::train_after_removing_store:
      store.remove();
      return false;
    case OutputStep::train:
      return false;
  }
  return false;
}

// A shard or checkpoint damaged since it was written (a disk error, a copy cut short) is set aside,
// and its trials are trained again rather than stopping the run.
void warn_of_damaged_shards(const ShardStore& store, std::ostream& err) {
  for (const FileVerdict& damaged : store.set_aside_damaged())
    err << "perfgen: warning: " << damaged.path << " is damaged (" << damaged.problem << "); renamed to "
        << fs::path(damaged.path).filename().string() << ".damaged, its trials will be trained again\n";
}

// Shards of another file schema (an older perfgen) would merge into a file of two layouts.
void refuse_other_schema(const ShardStore& store, const char* key) {
  for (const std::string& file : store.result_files())
    for (const auto& [name, version] : read_hdf5_attributes(file).integers)
      if (name == "schema_version" && version != kSchemaVersion)
        throw InputError(key, file + " has file schema " + std::to_string(version) + ", this perfgen writes " +
                                  std::to_string(kSchemaVersion) +
                                  ": finish the run with the perfgen that started it, or start over with --force");
}

std::int64_t batch_count(const Plan& plan) {
  return perfgen::batch_count(plan.trial_count(), plan.experiment().run.batch_size);
}

// What the run loop needs besides the plan, the backend and the store.
struct BatchLoop {
  const ShardSpec& shard;
  std::string config_hash;
  bool quiet;
  bool serial;  // every stage in turn on this thread (tests compare it with the pipeline)
  int threads;
  double save_interval_seconds;
  StageTimes& times;
};

// One batch of a train() call: where its trials are in the call, and the trials of it that an
// interrupted run kept in a checkpoint (those are not trained again).
struct BatchWork {
  std::int64_t batch = 0;
  std::size_t offset = 0, rows = 0;  // its trials to train: Part::trials[offset, offset + rows)
  std::vector<ColumnGroup> kept;     // result groups of the checkpoint; empty: none
};

// The trials of one train() call, materialized together.
struct Part {
  std::vector<BatchWork> batches;
  std::vector<MaterializedTrial> trials;
};

// What a process has to train: its batches without a shard, split into train() calls.
struct Workload {
  std::vector<Part> parts;         // trials not materialized yet
  std::int64_t mine = 0;           // trials of the batches this process owns
  std::int64_t already_done = 0;   // of those, the trials in shards and checkpoints
  double bound_steps = 0;          // Σ (max_iters + 1) over the trials to train: the work bound
};

double work_bound(const Plan& plan, const std::vector<std::int64_t>& trials) {
  double steps = 0;
  for (std::int64_t t : trials) steps += static_cast<double>(plan.cells()[plan.trial(t).cell].max_iters + 1);
  return steps;
}

// The trial indices of [first, end) that are not in `kept` (a checkpoint's /trials group).
std::vector<std::int64_t> trials_to_train(std::int64_t first, std::int64_t end, const std::vector<ColumnGroup>& kept) {
  std::vector<char> done(static_cast<std::size_t>(end - first), 0);
  if (!kept.empty())
    for (std::int64_t trial : kept.front().at("trial").integer) done[static_cast<std::size_t>(trial - first)] = 1;
  std::vector<std::int64_t> missing;
  for (std::int64_t trial = first; trial < end; ++trial)
    if (!done[static_cast<std::size_t>(trial - first)]) missing.push_back(trial);
  return missing;
}

Workload plan_workload(const Plan& plan, const ShardStore& store, const ShardSpec& shard, std::int64_t per_call) {
  const std::int64_t total = plan.trial_count(), batch_size = plan.experiment().run.batch_size;
  const std::int64_t batches = batch_count(plan);
  const ShardIndex finished(store, batches);
  std::map<std::int64_t, std::vector<ColumnGroup>> checkpoints;
  for (std::int64_t b : store.checkpointed_batches())
    if (b < batches && shard.owns(b) && !finished.has(b)) checkpoints[b] = store.read_checkpoint(b);
  Workload work;
  work.parts.emplace_back();
  std::int64_t in_part = 0;
  for (std::int64_t b = 0; b < batches; ++b) {
    if (!shard.owns(b)) continue;
    const std::int64_t first = b * batch_size, end = std::min(total, first + batch_size);
    work.mine += end - first;
    if (finished.has(b)) {
      work.already_done += end - first;
      continue;
    }
    BatchWork batch{b, 0, 0, {}};
    if (auto found = checkpoints.find(b); found != checkpoints.end()) batch.kept = std::move(found->second);
    const std::vector<std::int64_t> to_train = trials_to_train(first, end, batch.kept);
    const auto rows = static_cast<std::int64_t>(to_train.size());
    work.bound_steps += work_bound(plan, to_train);
    work.already_done += (end - first) - rows;
    if (in_part + rows > per_call && !work.parts.back().batches.empty()) {
      work.parts.emplace_back();
      in_part = 0;
    }
    batch.offset = static_cast<std::size_t>(in_part);
    batch.rows = static_cast<std::size_t>(rows);
    work.parts.back().batches.push_back(std::move(batch));
    in_part += rows;
  }
  if (work.parts.back().batches.empty()) work.parts.pop_back();
  return work;
}

void materialize_part(const Plan& plan, const Materializer& materializer, int threads, Part& part) {
  const std::int64_t total = plan.trial_count(), batch_size = plan.experiment().run.batch_size;
  for (const BatchWork& batch : part.batches) {
    const std::int64_t first = batch.batch * batch_size, end = std::min(total, first + batch_size);
    if (batch.kept.empty()) {
      std::vector<MaterializedTrial> trials = materializer.materialize_range(first, end, threads);
      std::move(trials.begin(), trials.end(), std::back_inserter(part.trials));
      continue;
    }
    const std::vector<std::int64_t> missing = trials_to_train(first, end, batch.kept);
    const std::size_t offset = part.trials.size();
    part.trials.resize(offset + missing.size());
    parallel_for(missing.size(), threads, [&](std::size_t k) { part.trials[offset + k] = materializer.materialize(missing[k]); });
  }
}

// The result groups of the trials [offset, offset + rows) of a part that `keep` selects, with the
// rows of `kept` (a checkpoint) added, in trial order.
std::vector<ColumnGroup> batch_groups(const Plan& plan, const Part& part, const std::vector<TrialOutcome>& outcomes,
                                      const BatchWork& batch, const std::function<bool(std::size_t)>& keep) {
  std::vector<MaterializedTrial> trials;
  std::vector<TrialOutcome> trial_outcomes;
  for (std::size_t i = batch.offset; i < batch.offset + batch.rows; ++i) {
    if (!keep(i)) continue;
    trials.push_back(part.trials[i]);
    trial_outcomes.push_back(outcomes[i]);
  }
  std::vector<ColumnGroup> groups = result_groups(plan, trials, trial_outcomes);
  for (const ColumnGroup& kept : batch.kept) {
    auto same = std::find_if(groups.begin(), groups.end(), [&](const ColumnGroup& g) { return g.name == kept.name; });
    if (same == groups.end()) same = groups.insert(groups.end(), ColumnGroup{kept.name, {}});
    const std::string row_dim = kept.columns.front().dims.front();  // trial, or traj for /trajectories
    append_rows(*same, ColumnGroup(kept), row_dim);
    sort_rows(*same, row_dim);
  }
  return groups;
}

// Trains the batches this process owns that have no shard yet, as a pipeline: the part after the
// current one is materialized while the current one trains, and the writer thread turns finished
// batches into shards meanwhile. A cancel stops the current part: its finished batches go to shards,
// the finished trials of the others to checkpoints; then TrainingCancelled reaches the caller.
void train_missing_batches(const Plan& plan, Backend& backend, const ShardStore& store, const BatchLoop& loop,
                           TrainControl& control) {
  const Experiment& e = plan.experiment();
  const std::int64_t per_call = std::max<std::int64_t>(backend.trials_per_call(), e.run.batch_size);
  Workload work = plan_workload(plan, store, loop.shard, per_call);
  if (work.parts.empty()) return;
  const Materializer materializer(plan);
  ProgressReporter progress(work.mine, work.already_done, work.bound_steps, control, !loop.quiet);
  auto materialize = [&](Part* part) {
    loop.times.time(Stage::materialize, [&] { materialize_part(plan, materializer, loop.threads, *part); });
  };
  auto attributes = [&](double wall, double steps) {
    return shard_attributes(e, loop.config_hash, backend.name(), backend.device(), wall, steps);
  };
  ShardWriter shards(store, loop.shard.count, static_cast<std::size_t>(e.run.batch_size), loop.save_interval_seconds,
                     attributes);
  BackgroundQueue writer(loop.serial ? 0 : 2);
  // Whatever ends the loop (a cancel, a failure), the batches trained before are written.
  struct FlushAtExit {
    BackgroundQueue& writer;
    ShardWriter& shards;
    ~FlushAtExit() {
      try {
        writer.submit([this] { shards.flush(); });
        writer.finish();
      } catch (...) {  // the loop's own exception is the one that reaches the caller
      }
    }
  } flush_at_exit{writer, shards};
  // Stores a trained part: whole batches into shards, on a cancel the finished trials of the others
  // into checkpoints.
  auto store_part = [&](std::shared_ptr<Part> part, std::shared_ptr<std::vector<TrialOutcome>> outcomes,
                        double seconds_per_trial, bool cancelled) {
    writer.submit([&, part, outcomes, seconds_per_trial, cancelled] {
      auto finished = [&](std::size_t i) { return (*outcomes)[i].finished; };
      for (const BatchWork& batch : part->batches) {
        const auto done = static_cast<std::size_t>(std::count_if(
            outcomes->begin() + batch.offset, outcomes->begin() + batch.offset + batch.rows,
            [](const TrialOutcome& o) { return o.finished; }));
        if (done == 0 && batch.kept.empty()) continue;
        std::vector<ColumnGroup> groups =
            loop.times.time(Stage::columns, [&] { return batch_groups(plan, *part, *outcomes, batch, finished); });
        const double steps = total_steps(groups[0]), wall = seconds_per_trial * static_cast<double>(done);
        loop.times.time(Stage::write, [&] {
          if (done == batch.rows)
            shards.add(batch.batch, std::move(groups), wall, steps);
          else if (cancelled)
            store.write_checkpoint(batch.batch, attributes(wall, steps), groups);
          else
            throw std::logic_error("a batch left unfinished without a cancel");
        });
      }
    });
  };
  std::future<void> next;
  if (!loop.serial) next = std::async(std::launch::async, materialize, &work.parts[0]);
  for (std::size_t k = 0; k < work.parts.size(); ++k) {
    if (control.cancelled()) throw TrainingCancelled();
    if (loop.serial)
      materialize(&work.parts[k]);
    else
      next.get();
    auto part = std::make_shared<Part>(std::move(work.parts[k]));
    if (!loop.serial && k + 1 < work.parts.size())
      next = std::async(std::launch::async, materialize, &work.parts[k + 1]);
    auto outcomes = std::make_shared<std::vector<TrialOutcome>>();
    const auto start = std::chrono::steady_clock::now();
    bool cancelled = false;
    try {
      loop.times.time(Stage::train,
                      [&] { train_batch(backend, part->trials, materializer.evaluation(), *outcomes, control); });
    } catch (const TrainingCancelled&) {
      cancelled = true;
    }
    const double seconds_per_trial = seconds_since(start) / static_cast<double>(std::max<std::size_t>(part->trials.size(), 1));
    store_part(part, outcomes, seconds_per_trial, cancelled);
    if (cancelled) throw TrainingCancelled();
  }
  writer.submit([&] { loop.times.time(Stage::write, [&] { shards.flush(); }); });
  writer.finish();
}

// Joins the shards of a complete run into the final file and removes them. wall_seconds < 0: the sum
// of the shards' own times (a merge of separate workers); trained_now < 0: not known (the same).
void merge_into_final(const Plan& plan, const ShardStore& store, const std::string& output, double wall_seconds,
                      std::int64_t trained_now, StageTimes& times, std::ostream& out) {
  const auto merge_start = std::chrono::steady_clock::now();
  const Experiment& e = plan.experiment();
  const ShardIndex index(store, batch_count(plan));
  if (index.shards().empty()) throw std::runtime_error("no shards in " + store.directory());
  const FileAttributes first = read_hdf5_attributes(index.shards().front().path);
  if (wall_seconds < 0) {
    wall_seconds = 0;
    for (const Shard& shard : index.shards())
      for (const auto& [key, value] : read_hdf5_attributes(shard.path).numbers)
        if (key == "wall_seconds") wall_seconds += value;
  }
  const std::string backend = first.find_text("backend") ? *first.find_text("backend") : "?";
  const std::string device = first.find_text("device") ? *first.find_text("device") : "?";
  MergeReport merged;
  replace_atomically(output, [&](const std::string& temporary) {
    Hdf5Writer file(temporary, StorageLayout{static_cast<std::size_t>(e.run.batch_size), kFinalDeflateLevel, 0});
    merged = merge_shards(plan, store, index, file, merge_piece_rows(plan));
    // The file records the merge up to here; the line printed at the end has the whole merge.
    const double so_far = seconds_since(merge_start);
    file.write_attributes(
        final_attributes(e, backend, device, wall_seconds + so_far, merged.network_steps, times, so_far));
    file.close();
  });
  store.remove();
  times.add(Stage::merge, seconds_since(merge_start));
  wall_seconds += seconds_since(merge_start);
  print_cell_table(out, merged.cells);
  out << "wrote " << output << ": " << plan.trial_count() << " trials";
  if (trained_now >= 0 && trained_now < plan.trial_count()) out << " (" << trained_now << " trained by this run)";
  out << " in " << std::fixed << std::setprecision(1)
      << wall_seconds << " s, " << std::scientific << std::setprecision(2) << merged.network_steps / wall_seconds
      << " network-steps/s on " << device << '\n'
      << std::defaultfloat << "stages: " << times.report() << "; training busy " << std::fixed << std::setprecision(0)
      << 100.0 * busy_fraction(times, wall_seconds) << "% of the wall time\n"
      << std::defaultfloat;
}

std::string resume_command(const RunOptions& options, const std::string& output) {
  std::string command = "perfgen run";
  if (!options.experiment_path.empty()) command += " " + shell_word(options.experiment_path);
  command += " -o " + shell_word(output);
  for (const std::string& assignment : options.overrides) command += " --set " + shell_word(assignment);
  if (!options.shard.empty()) return command + " --shard " + options.shard;
  return command + " --resume";
}

// Trains the batches this process owns. With the whole sweep (no --shard, no MPI), also merges.
int train_own_batches(const RunOptions& options, const Experiment& e, const Plan& plan, const ShardStore& store,
                      const std::string& output, const ShardSpec& shard, int local_rank, bool announce_shard,
                      std::chrono::steady_clock::time_point start, StageTimes& times, std::ostream& out,
                      std::ostream& err) {
  std::unique_ptr<Backend> backend = choose_backend(options, local_rank, err);
  check_resources(plan, output, backend->trials_per_call());
  if (prepare_output(output, store, e, options, shard)) {
    out << output << " is already complete; nothing to resume\n";
    out << read_in_child(
        [&] {
          std::ostringstream table;
          print_file_table(output, table);
          return table.str();
        },
        output);
    return kExitOk;
  }
  if (!store.has_config()) {
    store.create(e.resolved_toml);
  } else if (options.resume && !shard.worker) {  // workers leave the shards of others to the merge
    warn_of_damaged_shards(store, err);
    refuse_other_schema(store, "--resume");
  }
  const InterruptHandling interrupts;
  TrainControl control;
  control.cancel = &interrupts.requested();
  try {
    const BatchLoop loop{shard,           fingerprint(e.resolved_toml),  options.quiet, options.serial,
                         options.threads, options.save_interval_seconds, times};
    train_missing_batches(plan, *backend, store, loop, control);
  } catch (const TrainingCancelled&) {
    const Workload left = plan_workload(plan, store, shard, std::numeric_limits<std::int64_t>::max());
    err << "perfgen: " << interrupts.signal_name() << ": stopped; " << left.already_done << " of " << left.mine
        << " trials are kept in " << store.directory() << " (" << control.finished.load()
        << " trained by this run)\n"
        << "perfgen: continue with: " << resume_command(options, output) << '\n';
    return kExitInterrupted;
  }
  if (!shard.worker) {
    merge_into_final(plan, store, output, seconds_since(start), control.finished.load(), times, out);
  } else if (announce_shard) {
    out << "shard " << shard.index << "/" << shard.count << " done: its batches are in " << store.directory()
        << "\nwhen all " << shard.count << " shards are done: perfgen merge " << output << '\n';
  }
  return kExitOk;
}

}  // namespace

int run_command(const RunOptions& options, std::ostream& out, std::ostream& err) {
  return with_exit_codes(err, [&] {
    const auto start = std::chrono::steady_clock::now();
    const ProcessGroup group;
    // Identical on every rank: a bad experiment fails everywhere, before any collective step.
    if (options.experiment_path == "-" && group.size() > 1)  // mpirun feeds standard input to rank 0 only
      throw InputError("experiment", "'-' (standard input) cannot be read by every rank of mpirun; give a file");
    const Experiment e = load_experiment_or_default(options.experiment_path, options.overrides);
    if (group.rank() == 0) print_experiment_warnings(e, err);
    const std::string output = options.output_path.empty() ? e.name + ".h5" : options.output_path;
    ShardSpec shard = parse_shard(options.shard);
    if (group.size() > 1) {
      if (!options.shard.empty()) throw InputError("--shard", "mpirun's ranks already split the sweep; drop --shard");
      shard = {group.rank(), group.size(), true};
    }
    // One writer per run: a whole run alone; workers side by side, each shard once.
    const RunLock run_lock(output + ".lock", shard.worker ? RunLock::Mode::shared : RunLock::Mode::exclusive);
    std::unique_ptr<RunLock> worker_lock;
    if (shard.worker)
      worker_lock = std::make_unique<RunLock>(
          output + ".shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count) + ".lock",
          RunLock::Mode::exclusive);
    RunOptions mine = options;
    mine.quiet = options.quiet || group.rank() != 0;  // one progress line per job
    StageTimes times;
    const Plan plan = times.time(Stage::plan, [&] { return Plan(e); });
    const ShardStore store(output);
    const int trained = with_exit_codes(err, [&] {
      return train_own_batches(mine, e, plan, store, output, shard, group.local_rank(), group.size() == 1, start, times,
                               out, err);
    });
    if (group.size() == 1) return trained;
    // Every rank reaches this point, failed or not; rank 0 merges only when all succeeded.
    const int worst = group.max_over_ranks(trained);
    if (worst != kExitOk || group.rank() != 0) return worst;
    merge_into_final(plan, store, output, seconds_since(start), -1, times, out);
    return int(kExitOk);
  });
}

int merge_command(const std::string& output, bool force, std::ostream& out, std::ostream& err) {
  return with_exit_codes(err, [&] {
    const RunLock lock(output + ".lock", RunLock::Mode::exclusive);  // no worker may still be writing
    const ShardStore store(output);
    if (!store.exists()) throw InputError("file", "no unfinished run at " + store.directory());
    const Experiment e = load_experiment(store.stored_config(), store.directory() + "/config.toml", {});
    const Plan plan(e);
    const std::int64_t batches = batch_count(plan);
    warn_of_damaged_shards(store, err);
    refuse_other_schema(store, "merge");
    const ShardIndex index(store, batches);
    std::int64_t first_missing = 0;
    while (first_missing < batches && index.has(first_missing)) ++first_missing;
    if (const std::int64_t missing = batches - index.finished_batches(); missing > 0)
      throw InputError("merge", std::to_string(missing) + " of " + std::to_string(batches) +
                                    " batches have no shard yet (first: batch " + std::to_string(first_missing) +
                                    "); run the missing --shard workers first");
    if (fs::exists(output) && !force) throw InputError("--output", output + " exists; pass --force to replace it");
    StageTimes times;
    merge_into_final(plan, store, output, -1.0, -1, times, out);
    return int(kExitOk);
  });
}

}  // namespace perfgen
