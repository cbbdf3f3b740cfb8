// The subcommands behind the CLI, callable in-process (tests call them directly). Each returns
// an exit code (host/base/errors.h) and writes its report to `out`, messages to `err`.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "cpu_backend.h"
#include "shard_spec.h"

namespace perfgen {

// Which backend `perfgen run` uses: --backend auto (CUDA when a usable device exists, else the CPU),
// cpu or cuda.
enum class BackendChoice { automatic, cpu, cuda };

// `perfgen run`'s options, typed: the CLI parses each once (cli.cpp); tests fill them directly.
struct RunOptions {
  std::string experiment_path;  // empty: the embedded default
  std::string output_path;      // empty: NAME.h5 in the working directory
  BackendChoice backend = BackendChoice::automatic;
  std::vector<std::string> overrides;
  bool resume = false;
  bool force = false;
  bool quiet = false;
  int threads = 0;
  CpuKernel cpu_kernel = CpuKernel::vector;  // SIMD lanes, or the scalar reference
  ShardSpec shard;                           // --shard i/K: train every K-th batch from the i-th (Slurm arrays)
  bool serial = false;                       // no pipeline: materialize, train, write one after another
  double save_interval_seconds = 10.0;       // about the longest a finished batch waits for a shard
};

struct BenchOptions {
  std::int64_t networks = 4096;
  std::int64_t steps = 20000;
  int threads = 0;
  std::int64_t latency_steps = 100'000'000;     // the GPU's latency case: 100 networks × this many steps
  std::int64_t cpu_latency_steps = 10'000'000;  // the CPU's latency case: 1 network × this many steps (0: none)
  // End-to-end rows: whole `perfgen run`s (plan to merged file) of these many trials, fixed steps.
  std::vector<std::int64_t> end_to_end_trials = {10'000, 100'000, 1'000'000};
  std::int64_t end_to_end_steps = 1000;
};

int run_command(const RunOptions& options, std::ostream& out, std::ostream& err);
// A `run` whose command line did not parse (`message`, one or more lines): under mpirun it is said once
// for the job, in the first step that the ranks whose command line parsed take in run_command.
int refuse_run(const std::string& message, std::ostream& err);
int plan_command(const std::string& experiment_path, const std::vector<std::string>& overrides, std::ostream& out,
                 std::ostream& err);
// The model rank at the target and the sample sizes the theory predicts (host/theory/rank_report.h),
// for the model and target of the experiment (one report per width when it sweeps width).
int rank_command(const std::string& experiment_path, const std::vector<std::string>& overrides, std::ostream& out,
                 std::ostream& err);
int merge_command(const std::string& output, bool force, std::ostream& out, std::ostream& err);
int summary_command(const std::string& results_path, bool all_cells, std::ostream& out, std::ostream& err);
int info_command(std::ostream& out);
// Exit 0 when every dataset of the file (or of every shard of FILE.shards) reads back with its
// checksums right; 1 naming the first damaged dataset, or a file that is not HDF5; 2 when the path is
// neither a file nor a run's shard folder.
int verify_command(const std::string& path, std::ostream& out, std::ostream& err);
int bench_command(const BenchOptions& options, std::ostream& out, std::ostream& err);

// Entry point of the `perfgen` binary: parses argv and dispatches.
int cli_main(int argc, char** argv);

}  // namespace perfgen
