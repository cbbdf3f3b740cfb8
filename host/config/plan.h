// The plan: the product of the sweep axes gives cells; cells × data seeds × init seeds give trials.
// Trial index = (cell · data_seeds + data_seed_index) · init_seeds + init_seed_index, so a trial's
// identity (cell, data_seed, init_seed) fixes its row and everything it computes.
#pragma once

#include <cstdint>
#include <vector>

#include "experiment.h"
#include "perfgen/trial.h"

namespace perfgen {

struct Cell {
  int n;
  int width;
  Activation activation;
  double init_scale;
  double c_tilde;  // NaN: no imbalance control
  double lr;
  std::int64_t max_iters;
};

class Plan {
 public:
  explicit Plan(const Experiment& experiment);
  Plan(Experiment&&) = delete;  // a Plan keeps a reference: a temporary experiment would dangle

  const Experiment& experiment() const { return *experiment_; }
  const std::vector<Cell>& cells() const { return cells_; }
  const std::vector<std::int64_t>& data_seeds() const { return data_seeds_; }
  const std::vector<std::int64_t>& init_seeds() const { return init_seeds_; }
  std::int64_t trial_count() const { return trial_count_; }
  TrialId trial(std::int64_t index) const;
  NetShape shape(const Cell& cell) const;
  // Largest width, parameter count and n over the cells, and Σ over trials of max_iters + 1 (the work
  // bound): computed once with the cells, so asking per trial costs nothing.
  int max_width() const { return max_width_; }
  int max_params() const { return max_params_; }
  int max_n() const { return max_n_; }
  double max_network_steps() const { return max_network_steps_; }

 private:
  const Experiment* experiment_;
  std::vector<Cell> cells_;
  std::vector<std::int64_t> data_seeds_;
  std::vector<std::int64_t> init_seeds_;
  std::int64_t trial_count_ = 0;
  int max_width_ = 0, max_params_ = 0, max_n_ = 0;
  double max_network_steps_ = 0.0;
};

}  // namespace perfgen
