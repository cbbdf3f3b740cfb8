#include "kernel_choice.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "kernels.h"
#include "perfgen/backend.h"

namespace perfgen::cuda {

bool has_register_kernel(const NetShape& shape, int max_n) {
  return max_n <= kRegisterSamples && with_register_shape(shape, [](auto) { return true; });
}

int smallest_group(const NetShape& shape, int max_n) {
  if (!with_register_shape(shape, [](auto) { return true; })) return 0;
  for (int lanes = 2; lanes <= 32; lanes *= 2)
    if (lanes * kSamplesPerLane >= max_n) return lanes;
  return 0;
}

bool group_fits(const NetShape& shape, int max_n, int lanes) {
  return smallest_group(shape, max_n) != 0 && lanes >= smallest_group(shape, max_n) && lanes <= 32 &&
         (lanes & (lanes - 1)) == 0;
}

bool wants_block_kernel(const NetShape& shape, int max_n) {
  return static_cast<std::int64_t>(shape.param_count()) * max_n >= 2048;
}

std::vector<TrialGroup> group_trials(const std::vector<MaterializedTrial>& trials) {
  std::map<std::tuple<int, int, bool, bool, bool, bool>, TrialGroup> groups;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const NetShape& s = trials[i].shape;
    const int n = trials[i].data().count;
    const bool flow = trials[i].train.method == TrainMethod::flow;
    TrialGroup& g = groups[{flow, s.width, s.input_dim, s.bias, has_register_kernel(s, n), wants_block_kernel(s, n)}];
    g.shape = s;
    g.flow = flow;
    g.max_n = std::max(g.max_n, n);
    g.members.push_back(i);
  }
  std::vector<TrialGroup> list;
  for (auto& [key, group] : groups) list.push_back(std::move(group));
  return list;
}

KernelChoice choose_kernel(const TrialGroup& g, const CudaOptions& options, int multiprocessors) {
  if (g.flow) return {KernelKind::flow, 1};
  if (wants_block_kernel(g.shape, g.max_n)) return {KernelKind::per_block, 0};
  const int requested = options.lanes_per_network;
  if (requested >= 2 && group_fits(g.shape, g.max_n, requested)) return {KernelKind::per_group, requested};
  // Fewer networks than about 32 per multiprocessor leave most of the GPU idle one per thread.
  const auto few = static_cast<std::size_t>(32) * multiprocessors;
  if (requested == 0 && g.members.size() < few && smallest_group(g.shape, g.max_n) > 0)
    return {KernelKind::per_group, smallest_group(g.shape, g.max_n)};
  return {KernelKind::per_thread, 1,
          has_register_kernel(g.shape, g.max_n) ? register_samples(g.max_n, options.register_samples) : 0};
}

std::string describe(const KernelChoice& choice) {
  switch (choice.kind) {
    case KernelKind::per_group:
      return std::to_string(choice.lanes) + " lanes per network";
    case KernelKind::per_block:
      return "block per network";
    case KernelKind::flow:
      return "thread per network (gradient flow)";
    default:
      return choice.register_samples > 0
                 ? "thread per network (registers, " + std::to_string(choice.register_samples) + " samples)"
                 : "thread per network";
  }
}

std::int64_t first_launch_steps(const TrialGroup& g) {
  return steps_between_cancel_checks(std::int64_t{g.shape.param_count()} * g.max_n, std::int64_t{1} << 12);
}

std::int64_t next_launch_steps(std::int64_t budget, double seconds) {
  constexpr std::int64_t kMost = std::int64_t{1} << 26;
  if (seconds < 0.1) return std::min(kMost, budget * 2);
  if (seconds > 0.5)
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(budget) * 0.3 / seconds));
  return budget;
}

bool hands_tail_over(const KernelChoice& choice, int remaining, double gpu_rate, double helper_rate, int helper_slots) {
  if (choice.kind != KernelKind::per_thread || remaining <= 0 || helper_slots <= 0) return false;
  const double share = std::min(1.0, static_cast<double>(helper_slots) / remaining);
  return helper_rate * share > gpu_rate;
}

}  // namespace perfgen::cuda
