// The sweep's product: axes in a fixed order (n, width, activation, init_scale, c_tilde, lr,
// max_iters; the last varies fastest), then data seeds, then init seeds.
#include "plan.h"

#include <algorithm>

namespace perfgen {
namespace {

template <class T>
std::vector<T> axis_or(const std::vector<T>& axis, T fixed) {
  return axis.empty() ? std::vector<T>{fixed} : axis;
}

}  // namespace

Plan::Plan(const Experiment& e) : experiment_(&e) {
  const SweepAxes& s = e.sweep;
  data_seeds_ = axis_or(s.data_seed, e.data.seed);
  init_seeds_ = axis_or(s.init_seed, e.init.seed);
  for (int n : axis_or(s.n, e.data.n))
    for (int width : axis_or(s.width, e.model.width))
      for (Activation activation : axis_or(s.activation, e.model.activation))
        for (double scale : axis_or(s.init_scale, e.init.scale))
          for (double c_tilde : axis_or(s.c_tilde, e.init.c_tilde))
            for (double lr : axis_or(s.lr, e.train.lr))
              for (std::int64_t max_iters : axis_or(s.max_iters, e.train.max_iters))
                cells_.push_back({n, width, activation, scale, c_tilde, lr, max_iters});
  const auto seeds_per_cell = static_cast<std::int64_t>(data_seeds_.size() * init_seeds_.size());
  trial_count_ = static_cast<std::int64_t>(cells_.size()) * seeds_per_cell;
  double steps_per_seed = 0.0;
  for (const Cell& c : cells_) {
    max_width_ = std::max(max_width_, c.width);
    max_params_ = std::max(max_params_, shape(c).param_count());
    max_n_ = std::max(max_n_, c.n);
    steps_per_seed += static_cast<double>(c.max_iters) + 1.0;
  }
  max_network_steps_ = steps_per_seed * static_cast<double>(seeds_per_cell);
}

TrialId Plan::trial(std::int64_t index) const {
  const auto seeds_i = static_cast<std::int64_t>(init_seeds_.size());
  const auto seeds_d = static_cast<std::int64_t>(data_seeds_.size());
  const std::int64_t init_index = index % seeds_i;
  const std::int64_t data_index = (index / seeds_i) % seeds_d;
  const std::int64_t cell = index / (seeds_i * seeds_d);
  return {index, cell, data_seeds_[data_index], init_seeds_[init_index]};
}

NetShape Plan::shape(const Cell& cell) const {
  return {cell.width, experiment_->model.input_dim, experiment_->model.bias, cell.activation};
}

}  // namespace perfgen
