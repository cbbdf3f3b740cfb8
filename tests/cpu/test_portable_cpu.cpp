// The CPU kernels as a portable build (PERFGEN_NATIVE=OFF) compiles them: baseline x86-64 plus an
// x86-64-v3 copy of the hot code that the loader picks where the CPU has it (host/cpu/hot_code.h).
// tests/CMakeLists.txt compiles the CPU backend's sources that way into this test alone (beside the
// native build's libraries, so an inline function of a shared header may come from either; the shared
// math this test compares with is compiled here, for baseline x86-64, whose fused multiply-adds are the
// C library's fma). Whichever copy runs, the results must be those bits.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "cpu_backend.h"
#include "hot_code.h"
#include "experiments.h"
#include "perfgen/evaluation.h"
#include "perfgen/flow.h"
#include "perfgen/sharpness.h"
#include "temp_dir.h"
#include "training.h"
#include "trials.h"

namespace perfgen {
namespace {

// The premise: these sources were compiled with the hot code in two copies.
TEST(PortableCpu, TheHotCodeIsInTwoCopies) {
  EXPECT_NE(std::string(hot_code_description()), "");
  EXPECT_NE(CpuBackend(1).device().find(hot_code_description()), std::string::npos);
}

// Trial t trained and evaluated by the shared math, compiled here for baseline x86-64 (gradient
// descent by train_network, gradient flow by integrate_flow in one call).
TrialOutcome baseline_outcome(const MaterializedTrial& t, const EvaluationContext& context) {
  TrialOutcome out;
  out.theta = t.theta0;
  std::vector<double> grad(t.shape.param_count());
  if (t.train.method == TrainMethod::flow) {
    FlowState state;
    std::vector<double> scratch(flow_scratch_size(t.shape, t.data().count));
    out.train = integrate_flow(t.shape, t.data(), t.train, t.train.max_time, t.train.max_iters, out.theta.data(),
                               grad.data(), state, scratch.data());
  } else {
    testing::TrainedAlone trained = testing::train_alone(t);
    out.train = trained.result;
    out.theta = std::move(trained.theta);
  }
  out.generalization = generalization_error(t.shape, out.theta.data(), context.test_set());
  std::vector<double> scratch(sharpness_scratch_size(t.shape, t.data().count));
  out.sharpness = loss_sharpness(t.shape, out.theta.data(), t.data(), t.train.loss, scratch.data());
  out.recovered = out.generalization.mean_squared < context.recovery_threshold;
  out.final_a.resize(t.shape.width);
  out.distance.resize(t.shape.width);
  out.branch = classify_branch(t.shape, out.theta.data(), context.target_weights.data(), context.tolerances,
                               out.final_a.data(), out.distance.data());
  return out;
}

// Example 1 on both sides of the Q1/Q2 boundary, with the stationary test on (‖∇ℓ‖ every step) and
// under gradient flow; Appendix B's shape (compile-time sizes); a width-3 network of the rational
// activation (sizes known at run time). Both kernels, every field of the outcome.
TEST(PortableCpu, BothKernelsGiveTheBitsOfTheBaselineMath) {
  const std::string example1 = testing::kExample1Grid + "max_iters = 100000\n";
  for (const std::string& toml :
       {example1 + "grad_tol = 1e-7\n[sweep]\nn = [3, 6]\nc_tilde = [0.0, 0.5, 0.72, 1.0]\n",
        example1 + "method = \"flow\"\nmax_time = 1e5\n[sweep]\nn = [3, 6]\nc_tilde = [0.5]\n",
        testing::appendix_b_experiment(20000) + "[sweep]\nn = [6]\nc_tilde = [0.3, 0.9]\n",
        example1 + "[sweep]\nwidth = [3]\nactivation = [\"rational\"]\nn = [5]\n"}) {
    SCOPED_TRACE(toml);
    const Experiment e = testing::experiment_from(toml);
    const Plan plan(e);
    Materializer materializer(plan);
    const std::vector<MaterializedTrial> trials = testing::materialize_all(plan, materializer);
    const EvaluationContext& context = materializer.evaluation();
    for (const CpuKernel kernel : {CpuKernel::vector, CpuKernel::scalar}) {
      std::vector<TrialOutcome> outcomes;
      TrainControl control;
      CpuBackend(2, kernel).train(trials, context, outcomes, control);
      for (std::size_t i = 0; i < trials.size(); ++i) {
        SCOPED_TRACE("trial " + std::to_string(i) + (kernel == CpuKernel::vector ? ", vector" : ", scalar"));
        testing::expect_same_outcome_bits(outcomes[i], baseline_outcome(trials[i], context));
      }
    }
  }
}

}  // namespace
}  // namespace perfgen
