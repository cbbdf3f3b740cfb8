// The CPU kernels as a portable build (PERFGEN_NATIVE=OFF) compiles them: baseline x86-64 plus an
// x86-64-v3 copy of the hot code that the loader picks where the CPU has it (host/cpu/hot_code.h).
// tests/CMakeLists.txt compiles the CPU backend's sources that way into this test alone. Whichever
// copy runs, the results must be the bits of the shared loop compiled here for baseline x86-64, whose
// fused multiply-adds are the C library's fma.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cpu_backend.h"
#include "experiments.h"
#include "perfgen/evaluation.h"
#include "perfgen/sharpness.h"
#include "temp_dir.h"
#include "training.h"
#include "trials.h"

namespace perfgen {
namespace {

TEST(PortableCpu, RunsTheCopyThisCpuCanRun) {
  const std::string device = CpuBackend(1).device();
  EXPECT_NE(device.find(__builtin_cpu_supports("x86-64-v3") ? "x86-64-v3 code" : "baseline code"), std::string::npos)
      << device;
}

// Example 1 on both sides of the Q1/Q2 boundary and Appendix B's shape (compile-time sizes), and a
// width-3 network (sizes known at run time), on both kernels.
TEST(PortableCpu, BothKernelsGiveTheBitsOfTheBaselineLoop) {
  for (const std::string sweep : {"n = [3, 6]\nc_tilde = [0.0, 0.5, 0.72, 1.0]\n", "width = [3]\nn = [5]\n"}) {
    SCOPED_TRACE(sweep);
    const Experiment e = testing::experiment_from(testing::kExample1Grid + "max_iters = 100000\n[sweep]\n" + sweep);
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
        const MaterializedTrial& t = trials[i];
        const auto [want, theta] = testing::train_alone(t);
        const TrialOutcome& got = outcomes[i];
        EXPECT_EQ(got.train.status, want.status);
        EXPECT_EQ(got.train.iterations, want.iterations);
        EXPECT_TRUE(testing::same_bits(got.train.final_loss, want.final_loss));
        ASSERT_EQ(got.theta.size(), theta.size());
        for (std::size_t p = 0; p < theta.size(); ++p)
          EXPECT_TRUE(testing::same_bits(got.theta[p], theta[p])) << "parameter " << p;
        const GeneralizationError error = generalization_error(t.shape, theta.data(), context.test_set());
        EXPECT_TRUE(testing::same_bits(got.generalization.mean_squared, error.mean_squared));
        EXPECT_TRUE(testing::same_bits(got.generalization.max_abs, error.max_abs));
        std::vector<double> scratch(sharpness_scratch_size(t.shape, t.data().count));
        EXPECT_TRUE(testing::same_bits(
            got.sharpness, loss_sharpness(t.shape, theta.data(), t.data(), t.train.loss, scratch.data())));
      }
    }
  }
}

}  // namespace
}  // namespace perfgen
