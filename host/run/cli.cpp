// Command-line parsing with CLI11; each subcommand's work is a function declared in host/run/commands.h.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <csignal>
#include <iostream>
#include <map>
#include <sstream>

#include "cell_table.h"
#include "commands.h"
#include "errors.h"
#include "mpi_launch.h"
#include "name_suggestions.h"
#include "number_text.h"
#include "override_text.h"
#include "version_line.h"

namespace perfgen {
namespace {

// One value per --set, so that a positional experiment file may follow it.
void add_set_option(CLI::App& command, std::vector<std::string>& overrides) {
  command.add_option("--set", overrides, "override a setting: section.key=value (repeatable)")->allow_extra_args(false);
}

// A number option's check, with a message in perfgen's words ("must be a number >= 0, got -1").
CLI::Validator number_at_least(double low, bool low_allowed) {
  const std::string bound = std::string(low_allowed ? ">= " : "> ") + CLI::detail::to_string(low);
  return CLI::Validator(
      [=](const std::string& text) -> std::string {
        double value = 0.0;
        if (text.empty()) return "must be a number " + bound + ", got an empty value";
        const bool number = CLI::detail::lexical_cast(text, value);
        if (number && !std::isfinite(value)) return "must be a finite number, got " + text;
        if (number && (low_allowed ? value >= low : value > low)) return "";
        return "must be a number " + bound + ", got " + text;
      },
      "number " + bound);
}
const CLI::Validator kNonNegative = number_at_least(0, true), kPositive = number_at_least(0, false);
// --threads: a whole number, 0 for one per CPU this process may run on. More than 1024 is taken for a
// typo: the FP64 peak and the training start a thread each (100000 of them hung bench).
const CLI::Validator kThreadCount(
    [](const std::string& text) -> std::string {
      const bool digits = !text.empty() && text.size() <= 4 &&
                          std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits && std::stoi(text) <= 1024) return "";
      return "must be a whole number from 0 to 1024 (0: one per CPU this process may run on), got " + shown_value(text);
    },
    "0-1024");
// A path given as '' (say, an unset shell variable) is a mistake, not a request for the default.
const CLI::Validator kNonEmptyPath(
    [](const std::string& text) {
      return text.empty() ? std::string("must not be empty (an unset shell variable?)") : std::string();
    },
    "PATH");

// --end-to-end's comma-separated list, split here: CLI11's delimiter drops empty items, and "1,,2"
// is a typo, not two rows.
std::vector<std::int64_t> parse_trial_counts(const std::string& text) {
  std::vector<std::int64_t> counts;
  for (std::size_t start = 0;;) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty() || item.size() > 18 ||
        !std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw InputError("--end-to-end", "expected trial counts separated by commas (e.g. 10000,100000), got \"" +
                                           shown_value(text) + "\"");
    counts.push_back(std::stoll(item));
    if (comma == std::string::npos) return counts;
    start = comma + 1;
  }
}

// The optional experiment file of run, plan and rank.
void add_experiment_argument(CLI::App& command, std::string& path) {
  command
      .add_option("experiment", path, "experiment file (TOML; - reads standard input); default: the embedded example")
      ->check(kNonEmptyPath);
}

// The results file that merge, summary and verify take.
void add_results_argument(CLI::App& command, std::string& path, const std::string& description) {
  command.add_option("file", path, description)->required()->check(kNonEmptyPath);
}

// An option naming one of `names`: sets `value`, or InputError naming the option and the choices.
template <class Enum>
CLI::Option* add_choice(CLI::App& command, const std::string& option, Enum& value,
                        const std::map<std::string, Enum>& names, const std::string& description) {
  return command.add_option_function<std::string>(
      option,
      [option, &value, names](const std::string& text) {
        const auto found = names.find(text);
        if (found == names.end()) {
          std::vector<std::string> known;
          for (const auto& [name, unused] : names) known.push_back(name);
          throw InputError(option, "must be " + listed(known) + ", got " + text);
        }
        value = found->second;
      },
      description);
}

// Every command of perfgen, given or not (get_subcommands() without a filter lists only those given).
std::vector<const CLI::App*> all_commands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* command : all_commands(app)) names.push_back(command->get_name());
  return names;
}

// The options of a command (or of perfgen itself) as typed: "--resume", "-q".
std::vector<std::string> option_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    for (const std::string& name : option->get_snames()) names.push_back("-" + name);
  }
  return names;
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// "; did you mean --resume?" for the first unexpected word that looks like an option ("--resum"), from
// the options of the command given; empty when none is close. `message`: CLI11's ExtrasError text,
// "The following argument(s) was/were not expected: W1 W2".
std::string option_suggestion(const CLI::App& app, const std::string& command, const std::string& message) {
  const CLI::App* sub = nullptr;
  for (const CLI::App* candidate : all_commands(app))
    if (candidate->get_name() == command) sub = candidate;
  const auto colon = message.rfind(": ");
  if (!sub || colon == std::string::npos) return "";
  std::istringstream words(message.substr(colon + 2));
  for (std::string word; words >> word;)
    if (word.rfind("--", 0) == 0) return did_you_mean(word.substr(0, word.find('=')), option_names(*sub));
  return "";
}

// Why `word`, an option before the command that perfgen itself does not have, is refused: the commands
// it belongs to ("--threads 2 run"), else the closest of perfgen's own options ("--verison").
std::string misplaced_option(const CLI::App& app, const std::string& word) {
  std::vector<std::string> owners;
  for (const CLI::App* command : all_commands(app))
    if (has(option_names(*command), word)) owners.push_back(command->get_name());
  if (owners.empty()) return ": unknown option" + did_you_mean(word, option_names(app));
  return ": an option of " + listed(owners) + "; give it after the command";
}

// Output that could not be written (a full disk, ulimit -f with SIGXFSZ ignored) is a failure, not a
// truncated file and exit 0: the command's own failure code, else 1.
int after_flushing_output(int code) {
  if (std::cout.flush()) return code;
  std::cerr << "perfgen: error: cannot write standard output\n";
  return code == kExitOk ? kExitRuntimeError : code;
}

}  // namespace

int cli_main(int argc, char** argv) {
  // Under a file-size limit (ulimit -f) a write past it then fails with EFBIG, reported as "cannot write
  // PATH", exit 1, with the partial file removed, instead of SIGXFSZ killing the run mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"perfgen: batched simulator of single-neuron target recovery by gradient descent or gradient flow",
               "perfgen"};
  app.require_subcommand(1);
  app.set_version_flag("--version", version_line(), "print the version line of perfgen info and exit");

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "train every trial of an experiment and write one HDF5 file");
  add_experiment_argument(*run_cmd, run.experiment_path);
  run_cmd->add_option("-o,--output", run.output_path, "results file (default: NAME.h5)")->check(kNonEmptyPath);
  const std::map<std::string, BackendChoice> backends{
      {"auto", BackendChoice::automatic}, {"cpu", BackendChoice::cpu}, {"cuda", BackendChoice::cuda}};
  add_choice(*run_cmd, "--backend", run.backend, backends, "auto, cpu or cuda");
  add_set_option(*run_cmd, run.overrides);
  run_cmd
      ->add_option("--threads", run.threads,
                   "CPU threads (default: the CPUs this process may run on, split among MPI ranks given the same ones)")
      ->check(kThreadCount);
  const std::map<std::string, CpuKernel> kernels{{"vector", CpuKernel::vector}, {"scalar", CpuKernel::scalar}};
  add_choice(*run_cmd, "--cpu-kernel", run.cpu_kernel, kernels, "vector (SIMD lanes, default) or scalar (reference)");
  run_cmd->add_option_function<std::string>(
      "--shard", [&run](const std::string& text) { run.shard = parse_shard(text); },
      "i/K: train every K-th batch from the i-th; then perfgen merge");
  run_cmd->add_flag("--resume", run.resume, "continue an interrupted run from its shards");
  run_cmd->add_flag("--force", run.force, "replace an existing results file");
  run_cmd->add_flag("-q,--quiet", run.quiet, "no progress line");
  run_cmd->add_flag("--serial", run.serial, "run the stages one after another (no overlap; same results)");
  run_cmd
      ->add_option("--save-interval", run.save_interval_seconds,
                   "seconds between shard writes: what a killed run can lose (default " +
                       number_text(RunOptions().save_interval_seconds) + "; 0: every batch)")
      ->check(kNonNegative);

  std::string plan_path;
  std::vector<std::string> plan_overrides;
  auto* plan_cmd = app.add_subcommand("plan", "show trials, cells and the work bound; trains nothing");
  add_experiment_argument(*plan_cmd, plan_path);
  add_set_option(*plan_cmd, plan_overrides);

  std::string rank_path;
  std::vector<std::string> rank_overrides;
  auto* rank_cmd = app.add_subcommand(
      "rank", "model rank at the target and the optimistic and separation sample sizes; trains nothing");
  add_experiment_argument(*rank_cmd, rank_path);
  add_set_option(*rank_cmd, rank_overrides);

  std::string merge_path;
  bool merge_force = false;
  auto* merge_cmd = app.add_subcommand("merge", "join the shards of a sharded run into the results file");
  add_results_argument(*merge_cmd, merge_path, "results file whose FILE.shards folder is complete");
  merge_cmd->add_flag("--force", merge_force, "replace an existing results file");

  std::string summary_path;
  auto* summary_cmd = app.add_subcommand("summary", "print the recovery table of a results file or unfinished run");
  add_results_argument(*summary_cmd, summary_path, "results file (or its .shards folder)");
  bool summary_all = false;
  summary_cmd->add_flag(
      "--all", summary_all,
      "every cell (default: the first and last " + std::to_string(kTableRows / 2) + " of a longer table)");

  std::string verify_path;
  auto* verify_cmd = app.add_subcommand("verify", "read every dataset and check every chunk's checksum");
  add_results_argument(*verify_cmd, verify_path, "results file (or its .shards folder)");

  auto* info_cmd = app.add_subcommand("info", "build and device information");

  BenchOptions bench;
  const BenchOptions defaults;  // the help states them
  std::string end_to_end_default;
  for (const std::int64_t trials : defaults.end_to_end_trials)
    end_to_end_default += (end_to_end_default.empty() ? "" : ",") + std::to_string(trials);
  auto* bench_cmd = app.add_subcommand("bench", "throughput of the installed backends on Example 1");
  bench_cmd
      ->add_option("--networks", bench.networks,
                   "networks trained at once (default " + std::to_string(defaults.networks) + ")")
      ->check(kPositive);
  bench_cmd
      ->add_option("--steps", bench.steps,
                   "gradient steps per network (default " + std::to_string(defaults.steps) + ")")
      ->check(kPositive);
  bench_cmd->add_option("--threads", bench.threads, "CPU threads (default: the CPUs this process may run on)")
      ->check(kThreadCount);
  bench_cmd
      ->add_option(
          "--latency-steps", bench.latency_steps,
          "steps of the GPU latency case (100 networks; default " + std::to_string(defaults.latency_steps) + ")")
      ->check(kPositive);
  bench_cmd
      ->add_option("--cpu-latency-steps", bench.cpu_latency_steps,
                   "steps of the CPU latency case (1 network, one thread; default " +
                       std::to_string(defaults.cpu_latency_steps) + ", 0: skip it)")
      ->check(kNonNegative);
  bench_cmd
      ->add_option_function<std::string>(
          "--end-to-end", [&bench](const std::string& text) { bench.end_to_end_trials = parse_trial_counts(text); },
          "trials of each end-to-end row, a whole perfgen run (default " + end_to_end_default + "; 0: none)")
      ->type_name("N,...");
  bench_cmd
      ->add_option(
          "--end-to-end-steps", bench.end_to_end_steps,
          "steps per network in the end-to-end rows (default " + std::to_string(defaults.end_to_end_steps) + ")")
      ->check(kPositive);

  if (argc < 2) {  // bare perfgen: the usage, as a mistake
    std::cerr << app.help();
    return kExitBadInput;
  }
  // An option in the command's place that perfgen itself does not have (it has --help and --version).
  if (const std::string word = std::string(argv[1]).substr(0, std::string(argv[1]).find('='));
      word[0] == '-' && !has(option_names(app), word)) {
    std::cerr << "perfgen: error: " << word << misplaced_option(app, word) << " (perfgen --help lists the commands)\n";
    return kExitBadInput;
  }
  // A word in the command's place that names no command, e.g. "summery".
  if (const std::vector<std::string> commands = command_names(app);
      argv[1][0] != '-' && !has(commands, argv[1])) {
    std::cerr << "perfgen: error: " << argv[1] << ": unknown command" << did_you_mean(argv[1], commands)
              << " (perfgen --help lists them)\n";
    return kExitBadInput;
  }
  // A command line that does not parse: under mpirun every rank finds it, and a run says it once.
  std::ostringstream refusal;
  auto refuse = [&] {
    if (std::string(argv[1]) == "run" && mpi_launch().launched) return refuse_run(refusal.str(), std::cerr);
    std::cerr << refusal.str();
    return static_cast<int>(kExitBadInput);
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help or --version
    return after_flushing_output(app.exit(e));
  } catch (const CLI::ExtrasError& e) {
    refusal << "perfgen: error: " << e.what() << option_suggestion(app, argv[1], e.what())
            << " (--help lists the options)\n";
    return refuse();
  } catch (const CLI::ArgumentMismatch& e) {
    // CLI11 says "--output: At Most 1 required but received 2" of an option given twice.
    const std::string what = e.what();
    const std::size_t twice = what.find(": At Most 1 required");
    refusal << "perfgen: error: "
            << (twice == std::string::npos ? what : what.substr(0, twice) + ": given more than once; give it once")
            << " (--help lists the options)\n";
    return refuse();
  } catch (const CLI::ParseError& e) {
    refusal << "perfgen: error: " << e.what() << " (--help lists the options)\n";
    return refuse();
  } catch (const InputError& e) {  // an option value parsed here, e.g. --shard
    refusal << "perfgen: error: " << e.what() << '\n';
    return refuse();
  }
  auto run_the_command = [&] {
    if (*run_cmd) return run_command(run, std::cout, std::cerr);
    if (*plan_cmd) return plan_command(plan_path, plan_overrides, std::cout, std::cerr);
    if (*rank_cmd) return rank_command(rank_path, rank_overrides, std::cout, std::cerr);
    if (*merge_cmd) return merge_command(merge_path, merge_force, std::cout, std::cerr);
    if (*summary_cmd) return summary_command(summary_path, summary_all, std::cout, std::cerr);
    if (*info_cmd) return info_command(std::cout);
    if (*verify_cmd) return verify_command(verify_path, std::cout, std::cerr);
    if (*bench_cmd) return bench_command(bench, std::cout, std::cerr);
    return static_cast<int>(kExitBadInput);
  };
  return after_flushing_output(run_the_command());
}

}  // namespace perfgen
