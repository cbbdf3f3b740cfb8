// Turns a trial identity into its data, θ0 and Theorem-1 quantities. A trial's inputs depend on
// (cell, data_seed, init_seed) alone: never on batch, order, thread count or backend.
#pragma once

#include <cstdint>
#include <vector>

#include "perfgen/trial.h"
#include "plan.h"

namespace perfgen {

class Materializer {
 public:
  explicit Materializer(const Plan& plan);
  Materializer(Plan&&) = delete;  // a Materializer keeps a reference: a temporary plan would dangle

  // O(n·d + P) per trial, whatever the number of seeds; safe to call from several threads at once.
  MaterializedTrial materialize(std::int64_t trial_index) const;
  // Trials first .. end − 1 in order, materialized on up to `threads` threads.
  std::vector<MaterializedTrial> materialize_range(std::int64_t first, std::int64_t end, int threads) const;
  const EvaluationContext& evaluation() const { return evaluation_; }

 private:
  void fill_data(const Cell& cell, std::int64_t data_seed, MaterializedTrial& trial) const;
  void fill_theta0(const Cell& cell, std::int64_t init_seed, MaterializedTrial& trial) const;

  const Plan& plan_;
  EvaluationContext evaluation_;
};

// Log-spaced iterations: 0, then `count` − 1 values from 1 to max_iters rounded and without repeats.
std::vector<std::int64_t> log_spaced_checkpoints(std::int64_t max_iters, int count);
// Flow's checkpoints: 0, then `count` − 1 log-spaced times from min(1, max_time/10) to max_time.
std::vector<double> log_spaced_times(double max_time, int count);

// f*(x) for every row of inputs (row-major, input_dim columns).
std::vector<double> target_values(const Experiment& e, const std::vector<double>& inputs);

// Imbalance control: scales neuron k ≥ 2 (index ≥ 1) by ratios[k]·C_1/C_k so that C_k = ratios[k]·C_1,
// with C the quantities of theta before scaling. ratios[0] is ignored. Throws if a needed C_k is zero.
void apply_imbalance(const NetShape& shape, const std::vector<double>& ratios, const Theorem1Quantities& before,
                     double* theta);

// γ, μ1, μ_gd, C, c and c̃ of θ0 on the given data.
Theorem1Quantities theorem1_quantities(const NetShape& shape, DataView data, const double* theta0, LossKind loss,
                                       double lr);

}  // namespace perfgen
