// A trial ready to train (its data, θ0 and Theorem-1 quantities) and what training made of it.
// Backends consume MaterializedTrial and produce TrialOutcome; neither knows TOML or HDF5.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "perfgen/evaluation.h"
#include "perfgen/network.h"
#include "perfgen/training.h"

namespace perfgen {

// A trial's identity in the plan (host/config/plan.h): its row, its cell and its two seeds.
struct TrialId {
  std::int64_t index;
  std::int64_t cell;
  std::int64_t data_seed;
  std::int64_t init_seed;
};

struct Theorem1Quantities {
  std::vector<double> gamma;  // γ = Σ_i y_i x̃_i (weight_dim entries)
  double gamma_norm = 0.0;
  double mu1 = 0.0;
  double mu_gd = 0.0;
  std::vector<double> C;                                      // C_k, one per neuron
  double log_C_norm = 0.0;                                    // ln ‖C‖
  double c = std::numeric_limits<double>::quiet_NaN();        // C_1/C_2 (m ≥ 2)
  double c_tilde = std::numeric_limits<double>::quiet_NaN();  // min(|c|, |1/c|)

  // Theorem 1: t_aligned = t + ln(‖C‖/‖γ‖)/rate, with the discrete-step rate μ_gd or the flow rate μ1.
  double aligned_time_offset(double rate) const { return (log_C_norm - std::log(gamma_norm)) / rate; }
};

struct MaterializedTrial {
  TrialId id;
  NetShape shape;
  TrainSettings train;
  std::vector<double> inputs;   // n × input_dim, row-major
  std::vector<double> targets;  // n
  std::vector<double> theta0;   // param_count
  // Gradient descent: the iteration θ0 stands at. 0, except for a network another backend began and
  // hands over mid-run (CUDA's last networks, to the CPU): theta0 then holds its θ at that iteration.
  std::int64_t first_iteration = 0;
  Theorem1Quantities theorem1;
  std::vector<std::int64_t> checkpoints;  // iterations at which to record the state; empty: none
  std::vector<double> checkpoint_times;   // flow: the times at which to record it instead
  bool records_theta = true;              // the recorded state: loss and θ (false: the loss alone)

  bool records_trajectory() const { return !checkpoints.empty() || !checkpoint_times.empty(); }
  int recorded_params() const { return records_theta ? shape.param_count() : 0; }

  DataView data() const { return {inputs.data(), targets.data(), static_cast<int>(targets.size())}; }
};

// What every trial is judged against: the test set and the target's w̃0 in the model's layout.
struct EvaluationContext {
  std::vector<double> test_inputs;
  std::vector<double> test_targets;    // f*(x) at the test inputs
  std::vector<double> target_weights;  // w̃0 = (w0, b0) with bias, w0 without
  BranchTolerances tolerances;
  double recovery_threshold = 1e-8;

  DataView test_set() const { return {test_inputs.data(), test_targets.data(), static_cast<int>(test_targets.size())}; }
  // The recovery rule, the same for both backends: the test MSE below the threshold (NaN is not).
  bool recovered(const GeneralizationError& error) const { return error.mean_squared < recovery_threshold; }
};

// Loss and parameters at the recorded iterations (the checkpoints reached, then the last iteration).
struct Trajectory {
  std::vector<std::int64_t> iterations;
  std::vector<double> times;  // flow: t at each record (gradient descent: empty, t = iteration·lr)
  std::vector<double> losses;
  std::vector<double> thetas;  // iterations.size() × param_count (empty when θ is not recorded)

  void record(std::int64_t iteration, double loss, const double* theta, int param_count) {
    iterations.push_back(iteration);
    losses.push_back(loss);
    thetas.insert(thetas.end(), theta, theta + param_count);
  }
};

// Which backend trained a trial (/trials/trained_on); stored as int8.
enum class TrainedOn : std::int8_t { cpu = 0, cuda = 1, cuda_then_cpu = 2 };
// The one name table of TrainedOn, by value.
inline constexpr const char* kTrainedOnNames[] = {"cpu", "cuda", "cuda_then_cpu"};

struct TrialOutcome {
  bool finished = false;  // trained and evaluated (a cancelled train() leaves the others unset)
  TrainedOn trained_on = TrainedOn::cpu;
  TrainResult train;
  GeneralizationError generalization;
  bool recovered = false;
  BranchCounts branch;
  std::vector<double> theta;     // final parameters
  std::vector<double> final_a;   // a_k per neuron
  std::vector<double> distance;  // relative distance of w̃_k to ±w̃0 per neuron
  Trajectory trajectory;         // when the trial records one
  double sharpness = 0.0;        // top eigenvalue of the loss Hessian at the final parameters
};

}  // namespace perfgen
