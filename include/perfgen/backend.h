// The interface every training backend implements: train a batch of materialized trials.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "perfgen/trial.h"

namespace perfgen {

// Steps between two checks for cancellation when one step costs work_per_step parameter-samples (one
// network: parameters × samples; a SIMD pack: that × lanes): about 2^26 of them, well under a second
// at any sample size, and at most max_steps. The CPU's loops and the CUDA backend's first launch of a
// part (which cannot be cancelled) both keep to it.
inline std::int64_t steps_between_cancel_checks(std::int64_t work_per_step, std::int64_t max_steps) {
  return std::clamp<std::int64_t>((std::int64_t{1} << 26) / std::max<std::int64_t>(work_per_step, 1), 1, max_steps);
}

// What a running training reports and obeys: finished trials are counted (progress display), and a
// set cancel flag (SIGINT/SIGTERM) makes train() stop by throwing TrainingCancelled, after storing the
// outcomes of the trials that finished (the run keeps them in a checkpoint).
struct TrainControl {
  std::atomic<std::int64_t> finished{0};  // trials whose training stopped (evaluated then or with the next few)
  // The work done, for the progress line's estimate (a backend that does not count steps leaves them 0):
  std::atomic<std::int64_t> started{0};         // trials whose training began
  std::atomic<std::int64_t> steps{0};           // network-steps taken by started trials, finished or not
  std::atomic<std::int64_t> finished_steps{0};  // network-steps of the finished trials
  // The finished trials by length: how many, and their network-steps, with iterations + 1 of bit length b
  // (b = 0..63); a backend that does not report lengths leaves them 0.
  static constexpr int kLengthBuckets = 64;
  std::array<std::atomic<std::int64_t>, kLengthBuckets> finished_by_length{}, finished_steps_by_length{};
  const std::atomic<bool>* cancel = nullptr;
  // Set by a backend when one of its threads failed (or was cancelled first): the others stop as on a
  // cancel, and that first failure is what train() throws.
  std::atomic<bool> abandoned{false};

  bool cancelled() const {
    return (cancel && cancel->load(std::memory_order_relaxed)) || abandoned.load(std::memory_order_relaxed);
  }
  // Counts a trial whose training stopped after `iterations` steps, with its length.
  void record_finished(std::int64_t iterations) {
    ++finished;
    finished_steps += iterations;
    int bucket = 0;
    for (std::uint64_t length = static_cast<std::uint64_t>(iterations) + 1; length > 1; length >>= 1) ++bucket;
    ++finished_by_length[bucket];
    finished_steps_by_length[bucket] += iterations;
  }
};

class TrainingCancelled : public std::runtime_error {
 public:
  TrainingCancelled() : std::runtime_error("training cancelled") {}
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;    // "cpu" or "cuda"
  virtual std::string device() const = 0;  // human-readable device description
  // Trains every trial and evaluates it; outcomes[i] belongs to trials[i]. Counts finished trials
  // in control.finished; throws TrainingCancelled within about a second of control.cancel being set,
  // with outcomes.size() == trials.size() and outcomes[i].finished set for every trial it finished.
  virtual void train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
                     std::vector<TrialOutcome>& outcomes, TrainControl& control) = 0;
  // How many trials one train() call should get to keep the device busy; the run gives it that many
  // (whole batches) at once. 0: one batch per call.
  virtual std::int64_t trials_per_call() const { return 0; }
  // Whether train() records the trajectories trials ask for (MaterializedTrial::checkpoints); the
  // run hands those trials to a backend that does (the CPU's scalar kernel) when this one does not.
  virtual bool records_trajectories() const { return false; }
  // Whether train() integrates gradient flow (TrainMethod::flow); the run hands flow trials to the CPU
  // backend when this one does not.
  virtual bool trains_flow() const { return false; }
};

// Where a GPU backend can send the last networks of a batch when they would finish sooner there (the
// CPU beside the GPU, under --backend auto): a backend that resumes gradient descent from
// MaterializedTrial::first_iteration, how many networks it trains side by side at full speed
// (threads × SIMD lanes), and the steps per second each network like the given trial gets there when
// those slots are full.
struct TailHelper {
  std::unique_ptr<Backend> backend;
  int slots = 0;
  std::function<double(const MaterializedTrial&)> network_steps_per_second;
};

}  // namespace perfgen
