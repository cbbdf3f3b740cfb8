// `perfgen plan`, `summary`, `verify` and `info`: the commands that train nothing.
#include "commands.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "architectures.h"
#include "cell_summary.h"
#include "cell_table.h"
#include "command_support.h"
#include "cpu_backend.h"
#include "cuda_backend.h"
#include "device_probe.h"
#include "experiment_file.h"
#include "file_check.h"
#include "hdf5_io.h"
#include "hdf5_signature.h"
#include "merge.h"
#include "resource_check.h"
#include "shard_store.h"
#include "version_line.h"

namespace fs = std::filesystem;

namespace perfgen {
namespace {

// The shape of the plan's widest network (its step costs the most).
NetShape widest_shape(const Plan& plan) {
  const Cell* widest = &plan.cells().front();
  for (const Cell& cell : plan.cells())
    if (cell.width > widest->width) widest = &cell;
  return plan.shape(*widest);
}

}  // namespace

int plan_command(const std::string& experiment_path, const std::vector<std::string>& overrides, std::ostream& out,
                 std::ostream& err) {
  return with_exit_codes(err, [&] {
    const Experiment e = load_experiment_or_default(experiment_path, overrides);
    print_experiment_warnings(e, err);
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
        << "step cost    " << std::defaultfloat << plan.max_n() * plan.max_width() << " activations + "
        << network_step_flops(widest_shape(plan), plan.max_n()) << " flops per network-step (the widest network"
        << (e.train.method == TrainMethod::flow ? "; a gradient-flow solver step costs several, docs/FLOW.md" : "")
        << ")\n"
        << "memory       about " << human_bytes(estimate_resources(plan).memory_bytes()) << " on the CPU, "
        << human_bytes(estimate_resources(plan, cuda::CudaBackend::kTrialsPerCall).memory_bytes())
        << " with CUDA (trials in flight, merge, test set)\n"
        << "disk         up to " << human_bytes(estimate_resources(plan).disk_bytes) << " (shards and final file)\n"
        << "first cell   n=" << first.n << " width=" << first.width << " lr=" << first.lr
        << " max_iters=" << first.max_iters << '\n'
        << "\nresolved experiment:\n"
        << e.resolved_toml << '\n';
    return int(kExitOk);
  });
}

namespace {

// The shards and checkpoints are read in this process: a damaged one, which could crash HDF5, is found
// in a child process first.
void refuse_damaged_shards(const ShardStore& store) {
  for (const FileVerdict& verdict : verify_files_in_child(store.result_files()))
    if (!verdict.whole)
      throw std::runtime_error(verdict.path + " is damaged (" + verdict.problem +
                               "); perfgen run ... --resume sets it aside and trains its batches again");
}

std::int64_t checkpointed_trials(const ShardStore& store, const ShardIndex& index) {
  std::int64_t trials = 0;
  for (const std::int64_t batch : store.checkpointed_batches())
    if (!index.has(batch)) trials += static_cast<std::int64_t>(store.read_checkpoint(batch).front().at("trial").rows());
  return trials;
}

// Whether the file starts as text does (no NUL in its first 4 KiB): an experiment file, not a
// damaged results file.
bool looks_like_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[4096];
  in.read(head, sizeof head);
  return std::find(head, head + in.gcount(), '\0') == head + in.gcount();
}

// For a path that holds neither a results file nor the shards of a run.
InputError no_run_at(const std::string& path) {
  return InputError("", fs::is_directory(path) && !fs::exists(fs::path(path) / "config.toml")
                            ? path + " is a folder, not a results file or the shards of a run"
                            : "no results file or unfinished run at " + path);
}

// A file this user may not read is named as such, not taken for a damaged or foreign one (exit 1).
void require_readable(const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0) throw std::runtime_error(path + " cannot be opened: " + std::strerror(errno));
}

// What to do about a results file that cannot be read: check it, or, without the HDF5 signature, run it
// if it is the experiment file it looks like.
std::string what_to_try(const std::string& path) {
  if (has_hdf5_signature(path)) return "perfgen verify " + shell_word(path) + " checks every dataset";
  if (looks_like_text(path))
    return "it has no HDF5 signature (an experiment file? perfgen run " + shell_word(path) + " trains it)";
  return "it has no HDF5 signature: not a results file, or one damaged at its start";
}

// The table of an unfinished run from its shards.
void summarize_store(const ShardStore& store, const std::string& output, bool all_cells, std::ostream& out) {
  refuse_damaged_shards(store);
  const Experiment e = load_experiment(store.stored_config(), store.config_path(), {});
  const Plan plan(e);
  const std::int64_t batch_size = e.run.batch_size;
  const ShardIndex index(store, batch_count(plan.trial_count(), batch_size));
  const std::size_t piece_rows = merge_piece_rows(plan);
  CellTable table(all_cells ? 0 : kTableRows);
  CellSummaryBuilder cells(plan, piece_rows, [&](ColumnGroup&& rows) { table.add(rows); });
  std::size_t finished = 0;
  visit_finished_trials(index, batch_size, plan.trial_count(), piece_rows, [&](const ColumnGroup& piece, std::int64_t) {
    finished += piece.at("trial").rows();
    cells.add(piece);
  });
  out << "unfinished run " << store.directory() << " (" << e.name << "): " << finished << " of " << plan.trial_count()
      << " trials finished";
  if (const std::int64_t checkpointed = checkpointed_trials(store, index); checkpointed > 0)
    out << ", and " << checkpointed << " of interrupted batches in checkpoints (not in the table)";
  out << '\n';
  if (finished > 0) {
    cells.finish();
    table.print(out);
  }
  if (static_cast<std::int64_t>(finished) == plan.trial_count())
    out << "every trial is finished; perfgen merge " << shell_word(output) << " writes the file\n";
}

// A read of the shards that failed because they went meanwhile: a merge renamed the folder (to
// FOLDER.removing) and deleted it. Said as such, not as damage.
std::runtime_error merged_meanwhile(const ShardStore& store, const std::string& output, const std::string& command) {
  return std::runtime_error(store.directory() + " was merged or removed while " + command + " read it" +
                            (fs::is_regular_file(output)
                                 ? "; perfgen " + command + " " + shell_word(output) + " reads the finished file"
                                 : std::string()));
}

}  // namespace

int summary_command(const std::string& results_path, bool all_cells, std::ostream& out, std::ostream& err) {
  return with_exit_codes(err, [&] {
    const auto [output, names_shards] = named_output(results_path);
    if (!names_shards && fs::is_regular_file(output)) {
      require_readable(output);
      std::string table;  // nothing printed unless all of it could be read
      try {
        table = read_in_child(
            [&] {
              // A shard or checkpoint copied out of a run's folder: its trials, no /cells (and no table,
              // which is never empty).
              if (!hdf5_has_group(output, "cells") && hdf5_has_group(output, "trials")) return std::string();
              std::ostringstream text;
              print_file_table(output, text, all_cells ? 0 : kTableRows);
              return text.str();
            },
            output);
      } catch (const std::exception& failure) {
        throw std::runtime_error(output + " cannot be read (" + failure.what() + "); " + what_to_try(output));
      }
      if (table.empty())
        throw InputError("", output +
                                 " holds trials but no /cells: a shard of a run, not a finished results file (perfgen "
                                 "summary on the run's FILE.h5.shards folder shows the run, perfgen merge writes its "
                                 "file)");
      out << table;
      // Newer work beside it (an interrupted --force run), which --resume would merge over this file.
      if (const ShardStore beside(output); beside.has_config())
        out << "an unfinished run is beside it in " << beside.directory() << ": perfgen summary "
            << shell_word(beside.directory()) << " shows it\n";
      return int(kExitOk);
    }
    const ShardStore store(output);
    if (!store.has_config()) throw no_run_at(results_path);  // an empty folder, or one a user made
    std::ostringstream text;                                 // nothing printed unless all of it could be read
    try {
      summarize_store(store, output, all_cells, text);
    } catch (const std::exception&) {
      if (store.exists()) throw;
      throw merged_meanwhile(store, output, "summary");
    }
    // Gone after reading without a failure (its config.toml, say, before it was read): what was read
    // is not the run's.
    if (!store.exists()) throw merged_meanwhile(store, output, "summary");
    out << text.str();
    return int(kExitOk);
  });
}

int verify_command(const std::string& path, std::ostream& out, std::ostream& err) {
  return with_exit_codes(err, [&] {
    std::vector<std::string> files;
    std::string checked = path;
    const auto [output, names_shards] = named_output(path);
    const ShardStore store(output);
    const bool reads_store = names_shards || !fs::is_regular_file(output);
    if (!reads_store) {
      require_readable(output);
      files.push_back(output);
    } else {  // the shards and checkpoints of an unfinished run
      if (!store.has_config()) throw no_run_at(path);
      files = store.result_files();
      checked = store.directory();
      if (files.empty()) {
        if (!store.exists()) throw merged_meanwhile(store, output, "verify");
        out << checked << ": no shard written yet\n";
        return int(kExitOk);
      }
    }
    const std::vector<FileVerdict> verdicts = verify_files_in_child(files);
    if (reads_store && !store.exists() &&  // a merge took the shards while they were read
        std::any_of(verdicts.begin(), verdicts.end(), [](const FileVerdict& v) { return !v.whole; }))
      throw merged_meanwhile(store, output, "verify");
    std::size_t datasets = 0;
    for (const FileVerdict& verdict : verdicts) {
      if (!verdict.whole && !has_hdf5_signature(verdict.path))
        throw std::runtime_error(verdict.path + " is not a results file: " + what_to_try(verdict.path));
      if (!verdict.whole) throw std::runtime_error(verdict.path + " is damaged: " + verdict.problem);
      datasets += verdict.datasets;
    }
    out << checked << ": whole (" << files.size() << (files.size() == 1 ? " file, " : " files, ") << datasets
        << " datasets read in full, every chunk's checksum checked)\n";
    return int(kExitOk);
  });
}

int info_command(std::ostream& out) {
  out << version_line() << '\n' << "cpu backend: " << CpuBackend().device() << '\n';
  const cuda::DeviceProbe probe = cuda::probe_devices();
  if (probe.devices.empty()) out << "cuda: " << probe.problem << '\n';
  for (const auto& d : probe.devices) {
    const std::string unusable = cuda::unusable_reason(d);
    out << "cuda device " << d.index << ": " << d.name << ", compute capability " << d.compute_major << '.'
        << d.compute_minor << ", " << std::setprecision(3) << d.memory_gib << " GiB"
        << (unusable.empty() ? "" : "; not usable: " + unusable) << '\n';
  }
  const cuda::BuiltArchitectures& built = cuda::built_architectures();
  if (built.empty())
    out << "cuda backend: not in this build (no CUDA toolkit when it was built)\n";
  else
    out << "cuda backend: built with " << cuda::describe(built)
        << "; used on devices of compute capability >= " << cuda::kOldestComputeMajor << ".0 that this code runs on\n";
  return kExitOk;
}

}  // namespace perfgen
