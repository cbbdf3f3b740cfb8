#include "batch_layout.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "perfgen/sharpness.h"
#include "thread_worker.h"

namespace perfgen::cuda {
namespace {

// Scratch of one trial: ∇ℓ and the activations for the global-memory kernels (the flow's state for
// gradient flow), or the sharpness evaluation's vectors, whichever is larger. The block kernel's
// evaluation (cuda/block_evaluation.h) keeps training's ∇ℓ and activations and adds three vectors of
// param_count: 4·count + gradient_workspace_size, within sharpness_scratch_size's 5·count + the same.
std::int64_t scratch_doubles(const MaterializedTrial& t) {
  const NetShape& s = t.shape;
  const int n = t.data().count;
  const std::int64_t training = t.train.method == TrainMethod::flow ? FlowNetwork::scratch_doubles(s, n)
                                                                    : s.param_count() + gradient_workspace_size(s, n);
  return std::max<std::int64_t>(training, sharpness_scratch_size(s, n));
}

std::string bytes_of(const std::vector<double>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double)};
}

}  // namespace

BatchLayout lay_out(const std::vector<MaterializedTrial>& trials, const std::vector<std::size_t>& members) {
  BatchLayout layout;
  std::unordered_map<std::string, std::pair<std::int64_t, std::int64_t>> datasets;  // → input, target offsets
  for (const std::size_t index : members) {
    const MaterializedTrial& t = trials[index];
    if (t.first_iteration != 0)  // the device's results count from 0: only the CPU resumes a network mid-run
      throw std::logic_error("CUDA backend: trial " + std::to_string(t.id.index) + " starts at iteration " +
                             std::to_string(t.first_iteration) + "; only the CPU backend continues a network");
    const int n = t.data().count;
    const auto [slot, inserted] =
        datasets.try_emplace(bytes_of(t.inputs) + bytes_of(t.targets), static_cast<std::int64_t>(layout.inputs.size()),
                             static_cast<std::int64_t>(layout.targets.size()));
    if (inserted) {
      layout.inputs.insert(layout.inputs.end(), t.inputs.begin(), t.inputs.end());
      layout.targets.insert(layout.targets.end(), t.targets.begin(), t.targets.end());
    }
    layout.records.push_back({t.shape, t.train, n, static_cast<std::int64_t>(layout.theta.size()), slot->second.first,
                              slot->second.second, layout.neurons, layout.scratch});
    layout.theta.insert(layout.theta.end(), t.theta0.begin(), t.theta0.end());
    layout.neurons += t.shape.width;
    layout.scratch += scratch_doubles(t);
  }
  return layout;
}

std::vector<MaterializedTrial> unfinished_networks(const std::vector<MaterializedTrial>& trials,
                                                   const std::vector<std::size_t>& members, const BatchLayout& part,
                                                   const std::vector<DeviceResult>& results,
                                                   const std::vector<double>& theta, std::vector<std::size_t>& handed) {
  std::vector<MaterializedTrial> rest;
  handed.clear();
  for (std::size_t k = 0; k < members.size(); ++k) {
    if (results[k].done) continue;
    MaterializedTrial t = trials[members[k]];
    const auto first = theta.begin() + part.records[k].theta;
    t.theta0.assign(first, first + t.shape.param_count());
    t.first_iteration = results[k].train.iterations;
    rest.push_back(std::move(t));
    handed.push_back(k);
  }
  return rest;
}

double trial_bytes(const MaterializedTrial& t) {
  const NetShape& s = t.shape;
  const int n = t.data().count;
  const double doubles =
      s.param_count() + static_cast<double>(n) * (s.input_dim + 1) + 2.0 * s.width + scratch_doubles(t);
  return sizeof(double) * doubles + sizeof(DeviceTrial) + sizeof(DeviceResult);
}

std::size_t trials_per_part(std::size_t free_bytes, std::size_t total_bytes, double largest_trial_bytes, int sharers,
                            std::size_t max_trials) {
  const double mine =
      std::min(static_cast<double>(free_bytes), static_cast<double>(total_bytes) / std::max(sharers, 1));
  const auto trials = static_cast<std::size_t>(0.8 * mine / largest_trial_bytes);
  return max_trials > 0 ? std::min(trials, max_trials) : trials;
}

}  // namespace perfgen::cuda
