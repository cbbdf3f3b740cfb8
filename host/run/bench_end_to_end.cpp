#include "bench_end_to_end.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "errors.h"

namespace fs = std::filesystem;

namespace perfgen {

std::vector<std::string> bench_workload_overrides(std::int64_t networks, std::int64_t steps) {
  return {"train.max_iters=" + std::to_string(steps - 1),
          "sweep.c_tilde={linspace=[0.0, 1.0, " + std::to_string(networks) + "]}"};
}

bool bench_end_to_end(BackendChoice backend, const std::string& workload_toml, const BenchOptions& options,
                      const std::atomic<bool>& stop, std::ostream& out) {
  if (std::none_of(options.end_to_end_trials.begin(), options.end_to_end_trials.end(),
                   [](std::int64_t trials) { return trials > 0; }))
    return true;  // --end-to-end 0: no rows, no heading
  const fs::path dir = fs::temp_directory_path() / ("perfgen-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "workload.toml") << workload_toml;
  out << "\nend to end (" << (backend == BackendChoice::cuda ? "cuda" : "cpu") << "): perfgen run of the workload, "
      << options.end_to_end_steps << " steps per network, plan to merged file\n"
      << std::left << std::setw(12) << "trials" << std::setw(12) << "wall" << std::setw(14) << "trials/s"
      << std::setw(18) << "network-steps/s"
      << "stages\n"
      << std::flush;
  bool finished = true;
  for (const std::int64_t trials : options.end_to_end_trials) {
    if (trials <= 0) continue;
    if (stop) {
      finished = false;
      break;
    }
    RunOptions run;
    run.experiment_path = (dir / "workload.toml").string();
    run.output_path = (dir / "end-to-end.h5").string();
    run.backend = backend;
    run.threads = options.threads;
    run.quiet = run.force = true;
    run.overrides = bench_workload_overrides(trials, options.end_to_end_steps);
    std::ostringstream run_out, run_err;
    const auto start = std::chrono::steady_clock::now();
    const int code = run_command(run, run_out, run_err);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out << std::left << std::setw(12) << trials;
    if (code == kExitInterrupted) {  // the run's own hint to resume names a folder removed below
      out << "interrupted" << std::endl;
      finished = false;
      break;
    }
    if (code != kExitOk) {
      out << "failed (exit " << code << "): " << run_err.str() << std::flush;
      continue;
    }
    const std::string text = run_out.str();
    const std::size_t stages = text.find("stages: ");
    const std::string stage_line =
        stages == std::string::npos ? "" : text.substr(stages + 8, text.find('\n', stages) - stages - 8);
    std::ostringstream wall;
    wall << std::fixed << std::setprecision(2) << seconds << " s";
    out << std::setw(12) << wall.str() << std::scientific << std::setprecision(2) << std::setw(14) << trials / seconds
        << std::setw(18) << trials * static_cast<double>(options.end_to_end_steps) / seconds << std::defaultfloat
        << stage_line << std::endl;
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return finished;
}

}  // namespace perfgen
