// How stiff is gradient flow on a real trajectory, and what does that cost each integrator?
// Integrates one trial of an experiment (default: Example 1 on the 6 grid points, s = 1e-8, c̃ = 0.5,
// t ≤ 10^6) with RODAS (include/perfgen/flow.h) and, at every accepted step, reads λ_max of ∇²ℓ.
// An explicit method (Dormand-Prince 5(4): stability interval ≈ [−3.3, 0]) needs h·λ_max ≤ 3.3, so at
// least ∫ λ_max dt / 3.3 steps; gradient descent at lr needs t/lr. Prints a few rows along the way
// and the totals (docs/FLOW.md quotes them).
//
//   build/bench/flow_stiffness [--set key=value ...]   e.g. --set 'sweep.c_tilde=[0.71]' (the default
//   experiment sweeps c_tilde, so init.c_tilde would not be used)
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "default_experiment.h"
#include "experiment_file.h"
#include "materialize.h"
#include "perfgen/flow.h"

using namespace perfgen;

int main(int argc, char** argv) {
  std::vector<std::string> overrides = {"data.distribution=\"grid\"", "sweep.n=[6]",   "sweep.c_tilde=[0.5]",
                                        "sweep.data_seed=[0]",        "init.scale=1e-8", "train.method=\"flow\"",
                                        "train.max_time=1e6",         "train.loss_tol=0",   "train.lr=0.05"};
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--set") overrides.push_back(argv[i + 1]);
  const Experiment e = load_experiment(kDefaultExperiment, "<default>", overrides);
  const Plan plan(e);
  const Materializer materializer(plan);
  const MaterializedTrial trial = materializer.materialize(0);
  const int count = trial.shape.param_count();
  std::vector<double> theta = trial.theta0, grad(count), hessian(count * count), eigen(count * count);
  std::vector<double> scratch(flow_scratch_size(trial.shape, trial.data().count));
  FlowState state;
  double explicit_steps = 0.0, stiffest = 0.0, next_report = 1e-3;
  std::printf("%12s %12s %12s %10s %12s\n", "t", "h (RODAS)", "lambda_max", "h*lambda", "loss");
  TrainResult result;
  for (;;) {
    const double t0 = state.time;
    loss_hessian(trial.shape, theta.data(), trial.data(), trial.train.loss, eigen.data(), scratch.data());
    const double lambda = dominant_symmetric_eigenvalue(eigen.data(), count);
    result = integrate_flow(trial.shape, trial.data(), trial.train, trial.train.max_time, 1, theta.data(), grad.data(),
                            state, scratch.data());
    const double h = state.time - t0;
    explicit_steps += std::fabs(lambda) * h / 3.3;
    if (h > 0) stiffest = std::fmax(stiffest, h * std::fabs(lambda));
    if (t0 >= next_report || h == 0.0) {
      std::printf("%12.4g %12.4g %12.4g %10.3g %12.4g\n", t0, h, lambda, h * lambda, result.final_loss);
      next_report = t0 * 10.0;
    }
    if (h == 0.0) break;
  }
  std::printf("\ntrial: n = %d, c_tilde = %g, s = %g; stopped at t = %.6g (%s), loss %.3g\n", trial.data().count,
              plan.cells()[trial.id.cell].c_tilde, plan.cells()[trial.id.cell].init_scale, result.time,
              kTrainStatusNames[static_cast<int>(result.status)], result.final_loss);
  std::printf("RODAS: %lld steps (%lld rejected), 6 gradients + 1 Hessian each; largest h*lambda_max %.3g\n",
              static_cast<long long>(state.accepted), static_cast<long long>(state.rejected), stiffest);
  std::printf("explicit Dormand-Prince would need >= %.3g steps (7 gradients each) for stability alone\n",
              explicit_steps);
  std::printf("gradient descent at lr %g: %.3g steps to the same t\n", trial.train.lr, result.time / trial.train.lr);
  return 0;
}
