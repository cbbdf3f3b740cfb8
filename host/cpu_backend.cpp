// Threads pull trials one at a time from a shared counter, so a slow network holds one core only.
#include "cpu_backend.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

namespace perfgen {

TrialOutcome train_and_evaluate(const MaterializedTrial& trial, const EvaluationContext& context) {
  const NetShape& shape = trial.shape;
  TrialOutcome out;
  out.theta = trial.theta0;
  std::vector<double> grad(shape.param_count());
  std::vector<double> workspace(gradient_workspace_size(shape, trial.data().count));
  out.train = train_network(shape, trial.data(), trial.train, out.theta.data(), grad.data(), workspace.data());
  out.generalization = generalization_error(shape, out.theta.data(), context.test_set());
  out.recovered = out.generalization.mean_squared < context.recovery_threshold;
  out.final_a.resize(shape.width);
  out.distance.resize(shape.width);
  out.branch = classify_branch(shape, out.theta.data(), context.target_weights.data(), context.tolerances,
                               out.final_a.data(), out.distance.data());
  return out;
}

CpuBackend::CpuBackend(int threads)
    : threads_(threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency())) {}

std::string CpuBackend::device() const { return "CPU, " + std::to_string(threads_) + " threads"; }

void CpuBackend::train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
                       std::vector<TrialOutcome>& outcomes, std::atomic<std::int64_t>& finished) {
  outcomes.assign(trials.size(), {});
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    try {
      for (std::size_t i = next++; i < trials.size(); i = next++) {
        outcomes[i] = train_and_evaluate(trials[i], context);
        ++finished;
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      failure = std::current_exception();
      next = trials.size();
    }
  };
  const int count = static_cast<int>(std::min<std::size_t>(threads_, trials.size()));
  std::vector<std::thread> pool;
  for (int t = 1; t < count; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace perfgen
