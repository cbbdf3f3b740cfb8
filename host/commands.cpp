// Wires config → plan → backend → shards → merged file → summary table.
#include "commands.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <ostream>
#include <sstream>
#include <thread>

#include "build_info.h"
#include "cell_summary.h"
#include "cpu_backend.h"
#include "device_probe.h"
#include "errors.h"
#include "experiment_file.h"
#include "hdf5_io.h"
#include "interrupt.h"
#include "materialize.h"
#include "progress.h"
#include "results_schema.h"
#include "shard_store.h"

namespace fs = std::filesystem;

namespace perfgen {
namespace {

Experiment load(const std::string& path, const std::vector<std::string>& overrides) {
  if (path.empty()) return load_experiment(default_experiment_text(), "<default experiment>", overrides);
  return load_experiment_file(path, overrides);
}

std::string fingerprint(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a, 64 bit
  for (unsigned char ch : text) hash = (hash ^ ch) * 1099511628211ULL;
  std::ostringstream out;
  out << std::hex << std::setw(16) << std::setfill('0') << hash;
  return out.str();
}

std::string first_difference(const std::string& stored, const std::string& current) {
  std::istringstream a(stored), b(current);
  std::string line_a, line_b;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) return "";
    if (!more_a || !more_b || line_a != line_b)
      return "line " + std::to_string(line) + " of the resolved config: stored \"" + (more_a ? line_a : "") +
             "\", now \"" + (more_b ? line_b : "") + "\"";
  }
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

std::unique_ptr<Backend> choose_backend(const RunOptions& options, std::ostream& err) {
  const cuda::DeviceProbe probe = cuda::probe_devices();
  const std::string gpu = probe.devices.empty() ? "no usable CUDA device (" + probe.problem + ")"
                                                : "CUDA device " + probe.devices.front().name +
                                                      " found, but this build has no CUDA backend yet";
  if (options.backend == "cuda") throw BackendUnavailable("--backend cuda: " + gpu);
  auto backend = std::make_unique<CpuBackend>(options.threads,
                                              options.cpu_kernel == "scalar" ? CpuKernel::scalar : CpuKernel::vector);
  if (options.backend == "auto") err << "perfgen: backend auto: " << gpu << "; using the " << backend->device() << '\n';
  return backend;
}

// The resolved experiment stored in a results file.
std::string stored_config(const std::string& results_path) {
  try {
    const std::string* config = read_hdf5_attributes(results_path).find_text("config");
    if (config) return *config;
  } catch (const std::exception&) {
  }
  throw InputError("--output", results_path + " is not a perfgen results file");
}

// Refuses, before any work, an output that cannot be written or that would lose data. Returns true
// when the output already is the finished run, so that there is nothing to do.
bool prepare_output(const std::string& output, const ShardStore& store, const Experiment& e,
                    const RunOptions& options) {
  if (fs::is_directory(output)) throw InputError("--output", output + " is a directory");
  const fs::path parent = fs::absolute(output).parent_path();
  if (!fs::is_directory(parent) || ::access(parent.c_str(), W_OK) != 0)
    throw InputError("--output", "cannot write to " + parent.string() + " (missing or not writable)");
  const bool output_exists = fs::exists(output);
  if (options.resume) {
    if (store.exists()) {
      if (const std::string diff = first_difference(store.stored_config(), e.resolved_toml); !diff.empty())
        throw InputError("--resume", "the experiment differs from the unfinished run's: " + diff);
      // Killed after the merged file was renamed into place, before the shards were removed.
      if (output_exists && stored_config(output) == e.resolved_toml) {
        store.remove();
        return true;
      }
      return false;  // continue; the finished file will replace any older one
    }
    if (!output_exists) return false;  // nothing to resume: a fresh run
    if (const std::string diff = first_difference(stored_config(output), e.resolved_toml); !diff.empty())
      throw InputError("--resume", output + " holds another experiment: " + diff);
    return true;
  }
  if (output_exists && !options.force)
    throw InputError("--output", output + " exists; pass --force to replace it or --resume to keep it");
  if (store.exists()) {
    if (!options.force)
      throw InputError("--output", "an unfinished run is in " + store.directory() +
                                       "; pass --resume to continue it or --force to start over");
    store.remove();
  }
  return false;
}

FileAttributes file_attributes(const Experiment& e, const Backend& backend, double wall_seconds, double steps) {
  FileAttributes a;
  a.text = {{"title", "perfgen results"},
            {"name", e.name},
            {"perfgen_version", kVersion},
            {"git_revision", kGitRevision},
            {"backend", backend.name()},
            {"device", backend.device()},
            {"created", utc_now()},
            {"config", e.resolved_toml},
            {"config_hash", fingerprint(e.resolved_toml)}};
  a.integers = {{"schema_version", kSchemaVersion}};
  a.numbers = {{"wall_seconds", wall_seconds},
               {"network_steps_per_second", wall_seconds > 0 ? steps / wall_seconds : 0.0}};
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double total_steps(const ColumnGroup& trials) {
  double steps = 0;
  for (std::int64_t it : trials.at("iterations").integer) steps += static_cast<double>(it);
  return steps;
}

std::string resume_command(const RunOptions& options, const std::string& output) {
  std::string command = "perfgen run";
  if (!options.experiment_path.empty()) command += " " + options.experiment_path;
  command += " -o " + output;
  for (const std::string& assignment : options.overrides) command += " --set '" + assignment + "'";
  return command + " --resume";
}

int report_error(std::ostream& err, const std::exception& e, int code) {
  err << "perfgen: error: " << e.what() << '\n';
  return code;
}

void train_missing_batches(const Plan& plan, Backend& backend, const ShardStore& store, bool quiet,
                           TrainControl& control) {
  const Experiment& e = plan.experiment();
  const std::int64_t total = plan.trial_count(), batch_size = e.run.batch_size;
  const std::int64_t batches = (total + batch_size - 1) / batch_size;
  std::int64_t already_done = 0;
  for (std::int64_t b = 0; b < batches; ++b)
    if (store.has_shard(b)) already_done += std::min(batch_size, total - b * batch_size);
  Materializer materializer(plan);
  ProgressReporter progress(total, already_done, control.finished, !quiet);
  for (std::int64_t b = 0; b < batches; ++b) {
    if (store.has_shard(b)) continue;
    const auto start = std::chrono::steady_clock::now();
    std::vector<MaterializedTrial> trials;
    for (std::int64_t t = b * batch_size; t < std::min(total, (b + 1) * batch_size); ++t) {
      if (control.cancelled()) throw TrainingCancelled();
      trials.push_back(materializer.materialize(t));
    }
    std::vector<TrialOutcome> outcomes;
    backend.train(trials, materializer.evaluation(), outcomes, control);
    const ColumnGroup columns = trial_columns(plan, trials, outcomes);
    store.write_shard(b, file_attributes(e, backend, seconds_since(start), total_steps(columns)), columns,
                      static_cast<std::size_t>(batch_size));
  }
}

void print_file_table(const std::string& path, std::ostream& out) {
  const FileAttributes attributes = read_hdf5_attributes(path);
  const ColumnGroup cells = read_hdf5_group(path, "cells");
  const std::string* name = attributes.find_text("name");
  const std::string* backend = attributes.find_text("backend");
  out << "results " << path << " (" << (name ? *name : "?") << ", backend " << (backend ? *backend : "?") << ")\n";
  print_cell_table(out, cells);
}

}  // namespace

int run_command(const RunOptions& options, std::ostream& out, std::ostream& err) {
  try {
    const auto start = std::chrono::steady_clock::now();
    const Experiment e = load(options.experiment_path, options.overrides);
    const std::string output = options.output_path.empty() ? e.name + ".h5" : options.output_path;
    const Plan plan(e);
    const ShardStore store(output);
    if (prepare_output(output, store, e, options)) {
      out << output << " is already complete; nothing to resume\n";
      print_file_table(output, out);
      return kExitOk;
    }
    std::unique_ptr<Backend> backend = choose_backend(options, err);
    if (!store.exists()) store.create(e.resolved_toml);
    const InterruptHandling interrupts;
    TrainControl control;
    control.cancel = &interrupts.requested();
    try {
      train_missing_batches(plan, *backend, store, options.quiet, control);
    } catch (const TrainingCancelled&) {
      err << "perfgen: " << interrupts.signal_name() << ": stopped; " << store.shard_paths().size()
          << " finished batches are kept in " << store.directory() << "\n"
          << "perfgen: continue with: " << resume_command(options, output) << '\n';
      return kExitInterrupted;
    }

    ColumnGroup trials = store.gather_trials();
    if (static_cast<std::int64_t>(trials.at("trial").rows()) != plan.trial_count())
      throw std::runtime_error("the shards in " + store.directory() + " do not cover the plan");
    const ColumnGroup cells = cell_columns(plan, trials);
    const double wall = seconds_since(start), steps = total_steps(trials);
    write_hdf5_atomically(output, file_attributes(e, *backend, wall, steps), {trials, cells},
                          static_cast<std::size_t>(e.run.batch_size));
    store.remove();
    print_cell_table(out, cells);
    out << "wrote " << output << ": " << plan.trial_count() << " trials in " << std::fixed << std::setprecision(1)
        << wall << " s, " << std::scientific << std::setprecision(2) << steps / wall << " network-steps/s on "
        << backend->device() << '\n'
        << std::defaultfloat;
    return kExitOk;
  } catch (const InputError& e) {
    return report_error(err, e, kExitBadInput);
  } catch (const BackendUnavailable& e) {
    return report_error(err, e, kExitBackendUnavailable);
  } catch (const std::exception& e) {
    return report_error(err, e, kExitRuntimeError);
  }
}

int plan_command(const std::string& experiment_path, const std::vector<std::string>& overrides, std::ostream& out,
                 std::ostream& err) {
  try {
    const Experiment e = load(experiment_path, overrides);
    const Plan plan(e);
    const Cell& first = plan.cells().front();
    out << "experiment   " << e.name << '\n'
        << "cells        " << plan.cells().size() << '\n'
        << "data seeds   " << plan.data_seeds().size() << '\n'
        << "init seeds   " << plan.init_seeds().size() << '\n'
        << "trials       " << plan.trial_count() << '\n'
        << "parameters   up to " << plan.max_params() << " per network (width up to " << plan.max_width() << ")\n"
        << "samples      up to " << plan.max_n() << " per network\n"
        << "work bound   " << std::scientific << std::setprecision(3) << plan.max_network_steps()
        << " network-steps (every trial running to max_iters)\n"
        << "step cost    about " << std::defaultfloat << plan.max_n() * plan.max_width() << " activations + "
        << 10 * plan.max_n() * plan.max_width() << " flops per network-step\n"
        << "first cell   n=" << first.n << " width=" << first.width << " lr=" << first.lr
        << " max_iters=" << first.max_iters << '\n'
        << "\nresolved experiment:\n"
        << e.resolved_toml << '\n';
    return kExitOk;
  } catch (const InputError& e) {
    return report_error(err, e, kExitBadInput);
  } catch (const std::exception& e) {
    return report_error(err, e, kExitRuntimeError);
  }
}

int summary_command(const std::string& results_path, std::ostream& out, std::ostream& err) {
  try {
    const std::string suffix = ".shards";
    const bool names_shards = results_path.size() > suffix.size() &&
                              results_path.compare(results_path.size() - suffix.size(), suffix.size(), suffix) == 0;
    const std::string output =
        names_shards ? results_path.substr(0, results_path.size() - suffix.size()) : results_path;
    if (!names_shards && fs::is_regular_file(output)) {
      print_file_table(output, out);
      return kExitOk;
    }
    const ShardStore store(output);
    if (!store.exists()) throw InputError("file", "no results file or unfinished run at " + results_path);
    const Experiment e = load_experiment(store.stored_config(), store.directory() + "/config.toml", {});
    const Plan plan(e);
    const ColumnGroup trials = store.gather_trials();
    const std::size_t finished = trials.columns.empty() ? 0 : trials.at("trial").rows();
    out << "unfinished run " << store.directory() << " (" << e.name << "): " << finished << " of " << plan.trial_count()
        << " trials finished\n";
    if (finished > 0) print_cell_table(out, cell_columns(plan, trials));
    return kExitOk;
  } catch (const InputError& e) {
    return report_error(err, e, kExitBadInput);
  } catch (const std::exception& e) {
    return report_error(err, e, kExitRuntimeError);
  }
}

int info_command(std::ostream& out) {
  out << "perfgen " << kVersion << " (" << kGitRevision << ", " << kBuildType << ")\n"
      << "cpu backend: " << CpuBackend().device() << '\n';
  const cuda::DeviceProbe probe = cuda::probe_devices();
  if (probe.devices.empty()) out << "cuda: " << probe.problem << '\n';
  for (const auto& d : probe.devices)
    out << "cuda device " << d.index << ": " << d.name << ", compute capability " << d.compute_major << '.'
        << d.compute_minor << ", " << std::setprecision(3) << d.memory_gib << " GiB\n";
  out << "cuda backend: not in this build yet (the CPU trains)\n";
  return kExitOk;
}

}  // namespace perfgen
