// `perfgen plan`, `summary`, `verify` and `info`: the commands that train nothing.
#include "commands.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <ostream>

#include "cell_summary.h"
#include "command_support.h"
#include "cpu_backend.h"
#include "cuda_backend.h"
#include "device_probe.h"
#include "experiment_file.h"
#include "hdf5_io.h"
#include "merge.h"
#include "resource_check.h"
#include "shard_store.h"
#include "version_line.h"

namespace fs = std::filesystem;

namespace perfgen {

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
        << network_step_flops(plan.shape(plan.cells().front()), plan.max_n())
        << " flops per network-step (first cell's width)\n"
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

int summary_command(const std::string& results_path, bool all_cells, std::ostream& out, std::ostream& err) {
  return with_exit_codes(err, [&] {
    const std::string suffix = ".shards";
    const bool names_shards = results_path.size() > suffix.size() &&
                              results_path.compare(results_path.size() - suffix.size(), suffix.size(), suffix) == 0;
    const std::string output =
        names_shards ? results_path.substr(0, results_path.size() - suffix.size()) : results_path;
    if (!names_shards && fs::is_regular_file(output)) {
      print_file_table(output, out, all_cells ? 0 : kTableRows);
      return int(kExitOk);
    }
    const ShardStore store(output);
    if (!store.exists()) throw InputError("file", "no results file or unfinished run at " + results_path);
    const Experiment e = load_experiment(store.stored_config(), store.directory() + "/config.toml", {});
    const Plan plan(e);
    const std::int64_t batch_size = e.run.batch_size;
    const ShardIndex index(store, batch_count(plan.trial_count(), batch_size));
    const std::size_t piece_rows = merge_piece_rows(plan);
    CellSummaryBuilder cells(plan, piece_rows);
    std::size_t finished = 0;
    visit_finished_trials(index, batch_size, plan.trial_count(), piece_rows,
                          [&](const ColumnGroup& piece, std::int64_t) {
                            finished += piece.at("trial").rows();
                            cells.add(piece);
                          });
    out << "unfinished run " << store.directory() << " (" << e.name << "): " << finished << " of " << plan.trial_count()
        << " trials finished\n";
    if (finished > 0) print_cell_table(out, cells.finish(), all_cells ? 0 : kTableRows);
    return int(kExitOk);
  });
}

namespace {

// verify_hdf5 of one file in a child process: HDF5 1.10 can crash on damaged metadata (a bad free
// while listing a corrupted group), and that must be a verdict on the file, not the end of perfgen.
std::size_t verify_in_child(const std::string& file) {
  int channel[2];
  if (::pipe(channel) != 0) throw std::runtime_error("cannot create a pipe to check " + file);
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("cannot fork to check " + file);
  if (child == 0) {
    ::close(channel[0]);
    std::string report;
    int code = 0;
    try {
      report = std::to_string(verify_hdf5(file));
    } catch (const std::exception& failure) {
      report = failure.what();
      code = 1;
    }
    [[maybe_unused]] const ssize_t written = ::write(channel[1], report.data(), report.size());
    ::_exit(code);
  }
  ::close(channel[1]);
  std::string report;
  char buffer[4096];
  for (ssize_t n; (n = ::read(channel[0], buffer, sizeof buffer)) > 0;) report.append(buffer, n);
  ::close(channel[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (WIFSIGNALED(status))
    throw std::runtime_error(file + " is damaged: the HDF5 library crashed reading it (signal " +
                             std::to_string(WTERMSIG(status)) + ")");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(file + " is damaged: " + report);
  return std::stoul(report);
}

}  // namespace

int verify_command(const std::string& path, std::ostream& out, std::ostream& err) {
  return with_exit_codes(err, [&] {
    std::vector<std::string> files;
    if (fs::is_regular_file(path)) {
      files.push_back(path);
    } else if (fs::is_directory(path)) {  // the shards of an unfinished run
      for (const auto& entry : fs::directory_iterator(path))
        if (entry.path().extension() == ".h5") files.push_back(entry.path().string());
      std::sort(files.begin(), files.end());
    }
    if (files.empty()) throw InputError("file", "no results file or shard folder at " + path);
    std::size_t datasets = 0;
    for (const std::string& file : files) datasets += verify_in_child(file);
    out << path << ": whole (" << files.size() << (files.size() == 1 ? " file, " : " files, ") << datasets
        << " datasets read in full, every chunk's checksum checked)\n";
    return int(kExitOk);
  });
}

int info_command(std::ostream& out) {
  out << version_line() << '\n' << "cpu backend: " << CpuBackend().device() << '\n';
  const cuda::DeviceProbe probe = cuda::probe_devices();
  if (probe.devices.empty()) out << "cuda: " << probe.problem << '\n';
  for (const auto& d : probe.devices)
    out << "cuda device " << d.index << ": " << d.name << ", compute capability " << d.compute_major << '.'
        << d.compute_minor << ", " << std::setprecision(3) << d.memory_gib << " GiB\n";
  out << "cuda backend: built for the architectures CMake was given (default sm_90 + PTX); used when a device of "
         "compute capability >= 6.0 is usable\n";
  return kExitOk;
}

}  // namespace perfgen
