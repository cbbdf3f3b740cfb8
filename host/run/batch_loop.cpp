#include "batch_loop.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <iterator>
#include <limits>
#include <map>
#include <memory>

#include "backend_choice.h"
#include "background_queue.h"
#include "freed_memory.h"
#include "live_final_file.h"
#include "materialize.h"
#include "parallel.h"
#include "progress.h"
#include "resource_check.h"
#include "results_schema.h"
#include "run_attributes.h"
#include "shard_writer.h"

namespace perfgen {

std::int64_t batch_count(const Plan& plan) {
  return perfgen::batch_count(plan.trial_count(), plan.experiment().run.batch_size);
}

namespace {

// One batch of a train() call: where its trials are in the call, and the trials of it that an
// interrupted run kept in a checkpoint (those are not trained again).
struct BatchWork {
  std::int64_t batch = 0;
  std::size_t offset = 0, rows = 0;  // its trials to train: Part::trials[offset, offset + rows)
  std::vector<ColumnGroup> kept;     // result groups of the checkpoint; empty: none
  double kept_wall_seconds = 0;      // the training time of the checkpoint's trials
};

// The trials of one train() call, materialized together.
struct Part {
  std::vector<BatchWork> batches;
  std::vector<MaterializedTrial> trials;
};

// What a process has to train: its batches without a shard, split into train() calls.
struct Workload {
  std::vector<Part> parts;        // trials not materialized yet
  std::int64_t mine = 0;          // trials of the batches this process owns
  std::int64_t already_done = 0;  // of those, the trials in shards and checkpoints
  double bound_steps = 0;         // Σ (max_iters + 1) over the trials to train: the work bound
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
    if (auto found = checkpoints.find(b); found != checkpoints.end()) {
      batch.kept = std::move(found->second);
      batch.kept_wall_seconds = store.checkpoint_wall_seconds(b);
    }
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
    parallel_for(missing.size(), threads,
                 [&](std::size_t k) { part.trials[offset + k] = materializer.materialize(missing[k]); });
  }
}

// The result groups of the trials [offset, offset + rows) of a part that `keep` selects, with the
// rows of `kept` (a checkpoint) added, in trial order.
std::vector<ColumnGroup> batch_groups(const Plan& plan, const Part& part, const std::vector<TrialOutcome>& outcomes,
                                      const BatchWork& batch, const std::function<bool(std::size_t)>& keep) {
  std::vector<std::size_t> selected;
  for (std::size_t i = batch.offset; i < batch.offset + batch.rows; ++i)
    if (keep(i)) selected.push_back(i);
  std::vector<ColumnGroup> groups = result_groups(plan, part.trials, outcomes, &selected);
  for (const ColumnGroup& kept : batch.kept) {
    auto same = std::find_if(groups.begin(), groups.end(), [&](const ColumnGroup& g) { return g.name == kept.name; });
    if (same == groups.end()) same = groups.insert(groups.end(), ColumnGroup{kept.name, {}});
    const std::string row_dim = kept.columns.front().dims.front();  // trial, or traj for /trajectories
    append_rows(*same, ColumnGroup(kept), row_dim);
    sort_rows(*same, row_dim);
  }
  return groups;
}

// Whatever ended the loop (`ending`: a cancel, a failure), the batches trained before it are written:
// the writer's queued jobs, then the shard writer's collected batches, here on the caller's thread.
// Rethrows `ending`, unless it is a cancel and a write failed: then the write's failure, which the
// user must see (a cancel would only say "stopped").
[[noreturn]] void write_what_was_trained(BackgroundQueue& writer, ShardWriter& shards, std::exception_ptr ending) {
  std::exception_ptr write_failure;
  try {
    writer.finish();
  } catch (...) {
    write_failure = std::current_exception();
  }
  try {
    shards.flush();  // no job runs now: finish() returned
  } catch (...) {
    if (!write_failure) write_failure = std::current_exception();
  }
  if (write_failure) {
    try {
      std::rethrow_exception(ending);
    } catch (const TrainingCancelled&) {
      std::rethrow_exception(write_failure);
    } catch (...) {
    }
  }
  std::rethrow_exception(ending);
}

}  // namespace

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
  BackgroundQueue writer(loop.serial ? 0 : kPartsInFlight - 3);  // parts waiting while one is written
  // Stores a trained part: whole batches into shards, on a cancel the finished trials of the others
  // into checkpoints.
  auto store_part = [&](std::shared_ptr<Part> part, std::shared_ptr<std::vector<TrialOutcome>> outcomes,
                        double seconds_per_trial, bool cancelled) {
    writer.submit([&, part, outcomes, seconds_per_trial, cancelled] {
      auto finished = [&](std::size_t i) { return (*outcomes)[i].finished; };
      for (const BatchWork& batch : part->batches) {
        const auto done = static_cast<std::size_t>(std::count_if(outcomes->begin() + batch.offset,
                                                                 outcomes->begin() + batch.offset + batch.rows,
                                                                 [](const TrialOutcome& o) { return o.finished; }));
        if (done == 0 && batch.kept.empty()) continue;
        std::vector<ColumnGroup> groups =
            loop.times.time(Stage::columns, [&] { return batch_groups(plan, *part, *outcomes, batch, finished); });
        // The steps count the checkpoint's rows too, so the time does: a merged file's rate stays true.
        const double steps = total_steps(groups[0]),
                     wall = seconds_per_trial * static_cast<double>(done) + batch.kept_wall_seconds;
        if (loop.live_final && done == batch.rows) loop.live_final->add(groups.front());
        loop.times.time(Stage::write, [&] {
          if (done == batch.rows)
            shards.add(batch.batch, std::move(groups), wall, steps);
          else if (cancelled)
            store.write_checkpoint(batch.batch, attributes(wall, steps), groups);
          else
            throw std::logic_error("a batch left unfinished without a cancel");
        });
      }
      // The batches collected wait for the next part's, which takes about as long as this one did.
      if (!cancelled)
        loop.times.time(Stage::write,
                        [&] { shards.flush_if_due(seconds_per_trial * static_cast<double>(part->trials.size())); });
    });
  };
  // The next part's materialization, which cannot be cancelled: declared before the loop so that
  // whatever ends the loop is handled (and the trained batches written) before it is waited for.
  std::future<void> next;
  FreedMemoryReturner freed_memory;  // the threads below allocate and free each other's blocks
  try {
    if (!loop.serial) next = std::async(std::launch::async, materialize, &work.parts[0]);
    for (std::size_t k = 0; k < work.parts.size(); ++k) {
      if (control.cancelled()) throw TrainingCancelled();
      freed_memory.maybe_return();
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
        loop.times.time(Stage::train, [&] {
          train_batch(backend, part->trials, materializer.evaluation(), *outcomes, control, loop.threads);
        });
      } catch (const TrainingCancelled&) {
        cancelled = true;
      }
      const double seconds_per_trial =
          seconds_since(start) / static_cast<double>(std::max<std::size_t>(part->trials.size(), 1));
      store_part(part, outcomes, seconds_per_trial, cancelled);
      if (cancelled) throw TrainingCancelled();
    }
    writer.finish();
  } catch (...) {
    write_what_was_trained(writer, shards, std::current_exception());
  }
  loop.times.time(Stage::write, [&] { shards.flush(); });
}

OwnTrials count_own_trials(const Plan& plan, const ShardStore& store, const ShardSpec& shard) {
  const Workload left = plan_workload(plan, store, shard, std::numeric_limits<std::int64_t>::max());
  return {left.mine, left.already_done};
}

}  // namespace perfgen
