// `perfgen run` and `perfgen merge`: config → plan → backend → shards → merged file → table.
// A run trains the batches it owns (all of them, or every K-th with --shard i/K) into shards. A run of
// the whole sweep in one process writes the final file while it trains (or merges it from the shards
// once all are there, when resumed); rank 0 of an MPI job merges once every rank has trained; the
// shards of --shard workers are merged by `perfgen merge`.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "backend_choice.h"
#include "batch_loop.h"
#include "command_support.h"
#include "commands.h"
#include "experiment_file.h"
#include "file_check.h"
#include "final_file.h"
#include "interrupt.h"
#include "live_final_file.h"
#include "number_text.h"
#include "output_protocol.h"
#include "process_group.h"
#include "resource_check.h"
#include "run_attributes.h"
#include "run_lock.h"
#include "run_output.h"
#include "shard_spec.h"
#include "shard_store.h"
#include "stage_times.h"

namespace fs = std::filesystem;

namespace perfgen {
namespace {

// NAME.h5 in the working directory, for a run without -o: the name must then be a file name, which
// an experiment file or --set may not give ("../x" would write elsewhere).
std::string default_output(const Experiment& e) {
  if (e.name == "." || e.name == ".." || e.name.find('/') != std::string::npos)
    throw InputError("name", "\"" + e.name +
                                 "\" names no file in the working directory for the default output NAME.h5; "
                                 "choose the output with -o FILE");
  return e.name + ".h5";
}

std::string resume_command(const RunOptions& options, const std::string& output) {
  std::string command = "perfgen run";
  if (!options.experiment_path.empty()) command += " " + shell_word(options.experiment_path);
  command += " -o " + shell_word(output);
  for (const std::string& assignment : options.overrides) command += " --set " + shell_word(assignment);
  // How it ran, so that the continuation runs the same way (on a shared machine: no more threads).
  if (options.backend != BackendChoice::automatic)
    command += options.backend == BackendChoice::cpu ? " --backend cpu" : " --backend cuda";
  if (options.threads > 0) command += " --threads " + std::to_string(options.threads);
  if (options.cpu_kernel == CpuKernel::scalar) command += " --cpu-kernel scalar";
  if (options.serial) command += " --serial";
  if (options.save_interval_seconds != RunOptions().save_interval_seconds)
    command += " --save-interval " + number_text(options.save_interval_seconds);
  if (options.quiet) command += " --quiet";
  command += options.shard.worker ? " --shard " + shard_text(options.shard) : std::string(" --resume");
  // "-": the experiment came on standard input, and must come again.
  return options.experiment_path == "-" ? command + "   (with the same experiment on standard input)" : command;
}

// Whether `path` is a perfgen results file of the experiment `config` (read in a child: it may be damaged).
bool holds_experiment(const std::string& path, const std::string& config) {
  try {
    return results_config_in_child(path) == config;
  } catch (const std::exception&) {  // damaged beyond reading: not this experiment's file
    return false;
  }
}

// A run's merge stopped by a signal: every trial stays in the shards, and continue_with finishes it.
int say_merge_stopped(std::ostream& err, const InterruptHandling& interrupts, const Plan& plan, const ShardStore& store,
                      const std::string& continue_with) {
  err << "perfgen: " << interrupts.signal_name() << ": stopped while merging; all " << plan.trial_count()
      << " trials are kept in " << store.directory() << "\nperfgen: continue with: " << continue_with << '\n';
  return kExitInterrupted;
}

// What one process trained: trials and network-steps (a resumed run trains only some).
struct TrainedHere {
  std::int64_t trials = 0, steps = 0;
};

// What a run settles before it trains, on every rank alike: the backend, whether the sweep fits this
// machine, and what becomes of an existing output (a refusal is thrown).
struct PreparedRun {
  std::unique_ptr<Backend> backend;
  std::string backend_note;  // which backend `auto` chose: said once the run goes ahead
  bool output_complete = false;
};

PreparedRun prepare_run(const RunOptions& options, const Experiment& e, const Plan& plan, const ShardStore& store,
                        const std::string& output, const ShardSpec& shard, const ProcessGroup& group) {
  PreparedRun prepared;
  std::ostringstream backend_note;
  prepared.backend = choose_backend(options, group.local_rank(), group.local_size(), backend_note);
  prepared.backend_note = backend_note.str();
  const bool merges = !shard.worker || (group.size() > 1 && group.rank() == 0);  // a --shard worker never does
  check_resources(plan, output, prepared.backend->trials_per_call(), merges);
  prepared.output_complete = prepare_output(output, store, e, options, shard);
  return prepared;
}

// Trains the batches this process owns. With the whole sweep (no --shard, no MPI), also merges.
// continue_with: the command that continues the run, from the options as given (not as resolved).
int train_own_batches(const RunOptions& options, const Experiment& e, const Plan& plan, const ShardStore& store,
                      const std::string& output, const ShardSpec& shard, const ProcessGroup& group,
                      const PreparedRun& prepared, std::chrono::steady_clock::time_point start, StageTimes& times,
                      TrainedHere& trained, const std::string& continue_with, std::ostream& out, std::ostream& err) {
  const InterruptHandling interrupts;  // run_command's, nested: a signal stops the run with exit 75
  if (prepared.output_complete) {
    out << output << " is already complete; nothing to resume\n";
    try {
      out << read_in_child(
          [&] {
            std::ostringstream table;
            print_file_table(output, table);
            return table.str();
          },
          output, &interrupts.requested());
    } catch (const ReadingStopped&) {  // the file is complete all the same: only its table is not shown
      err << "perfgen: " << interrupts.signal_name() << ": stopped while reading the table of " << output << '\n';
      return kExitInterrupted;
    }
    return kExitOk;
  }
  err << prepared.backend_note;
  if (!store.has_config()) {
    // Not an error (a job script may always pass --resume), but never silent: a mistyped -o trains anew.
    if (options.resume && group.rank() == 0) err << "perfgen: nothing to resume for " << output << ": a fresh run\n";
    store.create(e.resolved_toml);
  } else if (options.resume && !shard.worker) {  // workers leave the shards of others to the merge
    try {
      set_aside_damaged_shards(store, err, interrupts.requested());
    } catch (const ReadingStopped&) {
      err << "perfgen: " << interrupts.signal_name() << ": stopped while checking the shards in " << store.directory()
          << "; nothing was trained\nperfgen: continue with: " << continue_with << '\n';
      return kExitInterrupted;
    }
    refuse_shards_of_another_run(store, "--resume");
  }
  TrainControl control;
  control.cancel = &interrupts.requested();
  // The whole sweep in this process: the final file is written while it trains (a resumed run's only
  // when it stores every batch itself, in order; else the live file gives up and the shards are merged).
  std::unique_ptr<LiveFinalFile> live_final =
      shard.worker ? nullptr : std::make_unique<LiveFinalFile>(plan, store, times, options.serial);
  try {
    const BatchLoop loop{shard,           fingerprint(e.resolved_toml),  options.quiet, options.serial,
                         options.threads, options.save_interval_seconds, times,         live_final.get()};
    if (control.cancelled()) throw TrainingCancelled();  // during the checks above
    train_missing_batches(plan, *prepared.backend, store, loop, control);
    trained = {control.finished.load(), control.steps.load()};
  } catch (const TrainingCancelled&) {
    const OwnTrials left = count_own_trials(plan, store, shard);
    err << "perfgen: " << interrupts.signal_name() << ": stopped; " << left.already_done << " of " << left.mine
        << " trials are kept in " << store.directory() << " (" << control.finished.load() << " trained by this run)\n"
        << "perfgen: continue with: " << continue_with << '\n';
    return kExitInterrupted;
  }
  if (!shard.worker) {
    try {
      const RunFigures figures{seconds_since(start), trained.trials, static_cast<double>(trained.steps)};
      merge_into_final(plan, store, output, figures, times, out, err, live_final.get(), &interrupts.requested(),
                       options.quiet ? nullptr : &err);
    } catch (const TrainingCancelled&) {
      return say_merge_stopped(err, interrupts, plan, store, continue_with);
    }
  } else if (group.size() == 1) {                    // one of several --shard workers: how to go on
    print_stages(out, times, seconds_since(start));  // before the last line, a command to paste
    out << "shard " << shard.index << "/" << shard.count << " done: its batches are in " << store.directory()
        << "\nwhen all " << shard.count << " shards are done: perfgen merge " << shell_word(output) << '\n';
  }
  return kExitOk;
}

// What a run reads and checks before it starts: the same on every rank of an MPI job.
struct RunInput {
  Experiment experiment;
  std::string output;
  ShardSpec shard;
};

RunInput read_run_input(const RunOptions& options, const ProcessGroup& group, std::ostream& err) {
  if (options.resume && options.force)  // one keeps what the other discards: neither is guessed
    throw InputError("--force", "cannot go with --resume: --resume keeps the unfinished run, --force discards it");
  if (options.experiment_path == "-" && group.size() > 1)  // mpirun feeds standard input to rank 0 only
    throw InputError("experiment", "'-' (standard input) cannot be read by every rank of mpirun; give a file");
  RunInput input{load_experiment_or_default(options.experiment_path, options.overrides), {}, options.shard};
  if (group.rank() == 0) print_experiment_warnings(input.experiment, err);
  input.output = options.output_path.empty() ? default_output(input.experiment) : options.output_path;
  if (group.size() > 1) {
    if (input.shard.worker) throw InputError("--shard", "mpirun's ranks already split the sweep; drop --shard");
    input.shard = {group.rank(), group.size(), true};
  }
  // Without -o the experiment's name made the file name: a problem with it is the name's.
  check_output_location(input.output, options.output_path.empty() ? "name (the default output NAME.h5)" : "--output");
  return input;
}

// Collective: one step's outcome on every rank (its exit code, and its error message or "") made the
// job's: the status returned, the messages printed once for the job. Where rank 0 failed, its
// message and exit code are the job's (other ranks failing the same way say the same; one that fails
// otherwise, say without the memory rank 0 needs for the merge, is heard on the next try). Where rank 0
// did not, each rank that failed prints its own (a file one node lacks, its own shard's lock), rank 0
// says that another rank `failed_to`, and the exit code is the worst.
int report_on_every_rank(const ProcessGroup& group, std::ostream& err, const std::string& failed_to, int status,
                         const std::string& message) {
  const std::string rank_zero_message = group.text_of_rank_zero(message);  // every rank takes part
  const int rank_zero_status = std::stoi(group.text_of_rank_zero(std::to_string(status)));
  if (group.rank() == 0 || rank_zero_message.empty()) err << message;
  const int worst = group.max_over_ranks(status);
  if (worst != kExitOk && status == kExitOk && group.rank() == 0)
    err << "perfgen: error: another rank of this job " << failed_to << " (that rank says why)\n";
  return rank_zero_status != kExitOk ? rank_zero_status : worst;  // the exit code of the message printed
}

// Collective: runs `step` (returning an exit code, or throwing as with_exit_codes takes it) on every rank
// and reports its outcome for the job (report_on_every_rank).
template <class Step>
int step_on_every_rank(const ProcessGroup& group, std::ostream& err, const std::string& failed_to, Step step) {
  std::ostringstream message_stream;
  const int status = with_exit_codes(message_stream, step);
  return report_on_every_rank(group, err, failed_to, status, message_stream.str());
}

constexpr char kCannotStart[] = "cannot start the run";

}  // namespace

int run_command(const RunOptions& options, std::ostream& out, std::ostream& err) {
  return with_exit_codes(err, [&] {
    const auto start = std::chrono::steady_clock::now();
    const ProcessGroup group;
    std::optional<RunInput> input;
    const int input_status = step_on_every_rank(group, err, kCannotStart, [&] {  // refuse_run's step too
      input.emplace(read_run_input(options, group, err));
      return int(kExitOk);
    });
    if (input_status != kExitOk) return input_status;
    const Experiment& e = input->experiment;
    const std::string& output = input->output;
    const ShardSpec& shard = input->shard;
    // One writer per run: a whole run alone; workers side by side, each shard once. A lock is one rank's
    // own (a --shard worker may hold rank 0's shard): every rank learns whether all got theirs before
    // any trains, or one would wait forever in the collective at the end for a rank that left.
    std::unique_ptr<RunLock> run_lock, worker_lock;
    const int lock_status = step_on_every_rank(group, err, "could not lock the run", [&] {
      run_lock = std::make_unique<RunLock>(run_lock_path(output),
                                           shard.worker ? RunLock::Mode::shared : RunLock::Mode::exclusive);
      if (shard.worker) {
        worker_lock =
            std::make_unique<RunLock>(shard_lock_path(output, shard.index, shard.count), RunLock::Mode::exclusive);
        for (const RunningWorker& other : running_workers(output))
          if (const int running = other.count; running != shard.count)
            throw InputError("--shard", "workers of --shard i/" + std::to_string(running) + " are running on " +
                                            output + ": a worker must split the sweep as they do (i/" +
                                            std::to_string(running) + "), or wait for them to end");
      }
      return int(kExitOk);
    });
    if (lock_status != kExitOk) return lock_status;
    RunOptions mine = options;
    if (mine.threads <= 0) mine.threads = group.default_threads();
    mine.quiet = options.quiet || group.rank() != 0;  // one progress line per job
    StageTimes times;
    const Plan plan = times.time(Stage::plan, [&] { return Plan(e); });
    const ShardStore store(output);
    TrainedHere trained;
    // Held until the end, past the training's own: a rank that has finished waits below for the others,
    // and a SIGTERM there (mpirun and srun pass it to every rank) must not kill it, or the job is aborted
    // and the ranks still saving their finished trials are killed with it.
    const InterruptHandling interrupts;
    std::optional<PreparedRun> prepared;
    const int prepare_status = step_on_every_rank(group, err, kCannotStart, [&] {
      prepared.emplace(prepare_run(mine, e, plan, store, output, shard, group));
      return int(kExitOk);
    });
    if (prepare_status != kExitOk) return prepare_status;
    const int status = with_exit_codes(err, [&] {
      return train_own_batches(mine, e, plan, store, output, shard, group, *prepared, start, times, trained,
                               resume_command(options, output), out, err);
    });
    prepared.reset();  // the backend (a GPU context, the CPU's threads) is not kept through rank 0's merge
    if (group.size() == 1) return status;
    // Every rank reaches this point, failed or not; rank 0 merges only when all succeeded.
    const int worst = group.max_over_ranks(status);
    const RunFigures figures{seconds_since(start), group.sum_over_ranks(trained.trials),
                             static_cast<double>(group.sum_over_ranks(trained.steps))};
    if (worst != kExitOk || group.rank() != 0) return worst;
    // The ranks hold the lock shared, but no other perfgen can write the output meanwhile (a merge or
    // a run of the whole sweep would need it exclusively): a killed earlier merge's file goes.
    remove_stale_temporaries(output);
    try {
      merge_into_final(plan, store, output, figures, times, out, err, nullptr, &interrupts.requested(),
                       options.quiet ? nullptr : &err);
    } catch (const TrainingCancelled&) {
      return say_merge_stopped(err, interrupts, plan, store, resume_command(options, output));
    }
    return int(kExitOk);
  });
}

int refuse_run(const std::string& message, std::ostream& err) {
  std::optional<ProcessGroup> group;  // as run_command's, which the other ranks are in
  try {
    group.emplace();
  } catch (const std::exception& e) {  // no job to join (a build without MPI under mpirun): said here
    err << message << "perfgen: error: " << e.what() << '\n';
    return kExitBadInput;
  }
  return report_on_every_rank(*group, err, kCannotStart, kExitBadInput, message);
}

int merge_command(const std::string& output, bool force, std::ostream& out, std::ostream& err) {
  return with_exit_codes(err, [&] {
    if (const NamedOutput named = named_output(output); named.names_shards && fs::is_directory(output))
      throw InputError("", output + " is the shard folder; perfgen merge " + shell_word(named.output) + " merges it");
    check_output_location(output, "");
    const RunLock lock(run_lock_path(output), RunLock::Mode::exclusive, "");  // no worker may still be writing
    // From here a signal stops the merge with exit 75, also while the checks below read every shard.
    const InterruptHandling interrupts;
    const ShardStore store(output);
    if (!store.has_config() && is_results_file(output)) {  // merged already (a merge run twice, say)
      out << output << " is already complete; nothing to merge\n";
      return int(kExitOk);
    }
    if (!store.has_config()) {  // none, or a folder holding no run (store.holds_no_run, or a user's)
      std::string entry, what;
      try {
        if (store.exists()) entry = store.foreign_entry();
      } catch (const fs::filesystem_error&) {  // a folder that cannot be listed: no run either
      }
      if (entry == store.directory())  // not a folder itself
        what = " (a link, which perfgen does not make)";
      else if (!entry.empty())
        what = " (it holds " + entry + ", which perfgen does not write)";
      throw InputError("", "no unfinished run at " + store.directory() + what +
                               (fs::exists(output) ? " and " + output + " is not a perfgen results file" : ""));
    }
    if (const std::string entry = store.foreign_entry(); !entry.empty())  // the merge deletes the folder
      throw InputError("", foreign_store_reason(store.directory(), entry));
    const Experiment e = load_experiment(store.stored_config(), store.config_path(), {});
    const Plan plan(e);
    const std::int64_t batches = batch_count(plan);
    try {
      set_aside_damaged_shards(store, err, interrupts.requested());
    } catch (const ReadingStopped&) {
      err << "perfgen: " << interrupts.signal_name() << ": stopped while checking the shards in " << store.directory()
          << "\nperfgen: continue with: perfgen merge " << shell_word(output) << (force ? " --force" : "") << '\n';
      return int(kExitInterrupted);
    }
    refuse_shards_of_another_run(store, "merge");
    const ShardIndex index(store, batches);
    std::int64_t first_missing = 0;
    while (first_missing < batches && index.has(first_missing)) ++first_missing;
    if (const std::int64_t missing = batches - index.finished_batches(); missing > 0) {
      // Workers of one split K write shards of stride K: the first missing batch is worker (b mod K)'s.
      std::set<std::int64_t> strides;
      for (const Shard& shard : index.shards()) strides.insert(shard.batches.stride);
      const std::string owner = strides.size() == 1 && *strides.begin() > 1
                                    ? ", --shard " + std::to_string(first_missing % *strides.begin()) + "/" +
                                          std::to_string(*strides.begin()) + "'s"
                                    : "";
      throw InputError("merge", std::to_string(missing) + " of " + std::to_string(batches) +
                                    " batches have no shard yet (first: batch " + std::to_string(first_missing) +
                                    owner + "); " +
                                    (owner.empty() ? "continue the run that wrote them (its perfgen run command with "
                                                     "--resume, or its --shard workers) first"
                                                   : "run the missing --shard workers first"));
    }
    // A results file of this very experiment (a merge killed after writing it, before removing the
    // shards) is replaced as --resume would: the shards beside it are complete, and no older.
    if (fs::exists(output) && !force && !holds_experiment(output, store.stored_config()))
      throw InputError("", output + " exists; pass --force to replace it");
    remove_stale_temporaries(output);  // a killed merge's partial file (the lock above is exclusive)
    StageTimes times;
    try {
      if (interrupts.requested()) throw TrainingCancelled();  // during the checks
      merge_into_final(plan, store, output, RunFigures{}, times, out, err, nullptr, &interrupts.requested());
    } catch (const TrainingCancelled&) {
      err << "perfgen: " << interrupts.signal_name() << ": stopped while merging; the shards stay in "
          << store.directory() << "\nperfgen: continue with: perfgen merge " << shell_word(output)
          << (force ? " --force" : "") << '\n';
      return int(kExitInterrupted);
    }
    return int(kExitOk);
  });
}

}  // namespace perfgen
