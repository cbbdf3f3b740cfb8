// The CUDA backend against the CPU's scalar kernel: a few hundred Example-1 trials away from the Q1/Q2
// boundary with each kernel shape, Appendix B's d = 3, wide-regime cases, a batch split into parts,
// gradient flow, and cancellation. Both run the same shared math with one tanh (perfgen/shared_tanh.h)
// and no multiply-add fused unless the code says so (--fmad=false, -ffp-contract=off), so a kernel that
// trains a network on one thread in the CPU's order must give the CPU's bits; the lane-group and block
// kernels sum over samples in another order and are held to a bound instead. Skips, saying why, where
// no usable GPU exists. The same tests also run without a GPU in test_cuda_on_host, on the CUDA runtime
// emulated on the host (tests/support/cuda_on_host/cuda_runtime.h): the backend's own code, launches and
// kernels, with the host's arithmetic.
#include <gtest/gtest.h>

#include "cpu_backend.h"
#include "cuda_backend.h"
#include "device_probe.h"
#include "experiments.h"
#include "temp_dir.h"
#include "training.h"
#include "trials.h"

namespace perfgen {
namespace {

bool usable_gpu(std::string& why) {
  const cuda::DeviceProbe probe = cuda::probe_devices();
  if (!cuda::usable_devices(probe).empty()) return true;
  why = probe.devices.empty() ? probe.problem : cuda::unusable_reason(probe.devices.front());
  return false;
}

#define SKIP_WITHOUT_GPU()                                                  \
  do {                                                                      \
    std::string why;                                                        \
    if (!usable_gpu(why)) GTEST_SKIP() << "no usable CUDA device: " << why; \
  } while (0)

enum class Agreement { same_bits, bounded };

// Returns the kernels the CUDA backend used.
std::string expect_backends_agree(const std::string& experiment, Agreement agreement, cuda::CudaOptions options = {},
                                  const std::vector<std::string>& overrides = {}) {
  const Experiment e = testing::experiment_from(experiment, overrides);
  const Plan plan(e);
  Materializer materializer(plan);
  const std::vector<MaterializedTrial> trials = testing::materialize_all(plan, materializer);
  std::vector<TrialOutcome> gpu, cpu;
  TrainControl control;
  cuda::CudaBackend backend(0, options);
  backend.train(trials, materializer.evaluation(), gpu, control);
  CpuBackend(0, CpuKernel::scalar).train(trials, materializer.evaluation(), cpu, control);
  EXPECT_EQ(control.finished.load(), 2 * plan.trial_count());
  for (std::size_t i = 0; i < trials.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    if (agreement == Agreement::same_bits) {
      testing::expect_same_outcome_bits(gpu[i], cpu[i]);
      continue;
    }
    EXPECT_EQ(gpu[i].train.status, cpu[i].train.status);
    EXPECT_EQ(gpu[i].branch.branch, cpu[i].branch.branch);
    EXPECT_EQ(gpu[i].recovered, cpu[i].recovered);
    // Another summation order, whose roundoff the run carries along: relative 1e-9, but absolute 1e-20
    // for converged losses (< 1e-15): those are sums of squared residuals ~1e-8, which a last-bit
    // change of θ moves by ~1e-23.
    EXPECT_LT(testing::relative_difference(gpu[i].train.final_loss, cpu[i].train.final_loss, 1e-11), 1e-9);
    for (std::size_t p = 0; p < cpu[i].theta.size(); ++p)
      EXPECT_NEAR(gpu[i].theta[p], cpu[i].theta[p], 1e-9 * std::max(1.0, std::abs(cpu[i].theta[p])));
    EXPECT_LT(
        testing::relative_difference(gpu[i].generalization.mean_squared, cpu[i].generalization.mean_squared, 1e-11),
        1e-9);  // the same bound, for the same reason
    // The sharpness, a smooth function of θ that moves with it, and (block kernel) power iteration in the
    // block's order: 1e-7 of max(|λ|, 1), absolute where λ is near 0.
    EXPECT_LT(testing::relative_difference(gpu[i].sharpness, cpu[i].sharpness, 1.0), 1e-7);
  }
  return backend.last_kernels();
}

const std::string kExample1AwayFromTheBoundary = testing::kExample1Grid + R"(max_iters = 300000
[sweep]
n = [2, 6]
c_tilde = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.9, 0.95, 1.0]
init_seed = { range = [0, 12] }
)";  // 264 trials
const std::string kAppendixB = testing::appendix_b_experiment(200000) + R"([sweep]
n = [4, 8, 12]
c_tilde = [0.0, 1.0]
data_seed = [0, 1]
init_seed = [0, 1]
)";  // 24 trials
const std::string kWide = testing::wide_rational_experiment(200, 20000) + "[sweep]\ninit_seed = [0, 1, 2]\n";
const std::string kHighDimensional = testing::high_dimensional_experiment(50, 0.001, 1e-8, 10000) +
                                     "[sweep]\nc_tilde = [0.2, 0.5, 1.0]\ninit_seed = [0, 1, 2]\n";

// Under the host emulation (test_cuda_on_host, tests/support/cuda_on_host) each shuffle and
// __syncthreads is a switch between fibers (swapcontext), so there the lane-group and block kernels train
// one init seed for a few hundred steps; on a GPU, the whole sweep.
#if defined(PERFGEN_CUDA_ON_HOST)
const std::vector<std::string> kFewerStepsWhereSynchronizationIsSlow = {"sweep.init_seed=[0]", "train.max_iters=200"};
#else
const std::vector<std::string> kFewerStepsWhereSynchronizationIsSlow;
#endif

// Under AddressSanitizer (the sanitize preset's test_cuda_on_host) the emulation runs several times
// slower again, and the release build's test_cuda_on_host already runs every trial below: there the
// one-thread kernels train a quarter of Example 1's init seeds and the block kernel one c̃ of the high-
// dimensional input, through the same kernels, launches and code (the two tests took 62 and 86 s alone
// under ASan on 2026-12-03, the longest of the sanitize stage).
#if defined(PERFGEN_CUDA_ON_HOST) && defined(__SANITIZE_ADDRESS__)
const std::vector<std::string> kFewerSeedsUnderAsan = {"sweep.init_seed={range = [0, 3]}"};
const std::vector<std::string> kOneCTildeUnderAsan = {"sweep.c_tilde=[0.5]"};
#else
const std::vector<std::string> kFewerSeedsUnderAsan, kOneCTildeUnderAsan;
#endif

std::vector<std::string> joined(std::vector<std::string> first, const std::vector<std::string>& second) {
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

// Runs without a GPU, so that the GPU tests cannot fail on their own set-up.
TEST(CudaBackend, TestExperimentsAreValid) {
  const std::pair<const std::string*, std::int64_t> experiments[] = {
      {&kExample1AwayFromTheBoundary, 264}, {&kAppendixB, 24}, {&kWide, 3}, {&kHighDimensional, 9}};
  for (const auto& [text, trials] : experiments) {
    const Experiment e = testing::experiment_from(*text);
    EXPECT_EQ(Plan(e).trial_count(), trials) << *text;
  }
}

TEST(CudaBackend, AgreesWithTheCpuOnExample1OneNetworkPerThread) {
  SKIP_WITHOUT_GPU();
  EXPECT_EQ(expect_backends_agree(kExample1AwayFromTheBoundary, Agreement::same_bits, {1, 0}, kFewerSeedsUnderAsan),
            "thread per network (registers, 6 samples)");
  EXPECT_EQ(
      expect_backends_agree(kExample1AwayFromTheBoundary, Agreement::same_bits, {1, 0, 1, 8}, kFewerSeedsUnderAsan),
      "thread per network (registers, 8 samples)");
  EXPECT_EQ(expect_backends_agree(kExample1AwayFromTheBoundary, Agreement::same_bits, {1, 0},
                                  joined({"sweep.n=[2, 4]"}, kFewerSeedsUnderAsan)),
            "thread per network (registers, 4 samples)");
}

TEST(CudaBackend, AgreesWithTheCpuOnExample1SpreadOverLanes) {
  SKIP_WITHOUT_GPU();
  EXPECT_EQ(expect_backends_agree(kExample1AwayFromTheBoundary, Agreement::bounded, {4, 0},
                                  kFewerStepsWhereSynchronizationIsSlow),
            "4 lanes per network");
  EXPECT_EQ(expect_backends_agree(kExample1AwayFromTheBoundary, Agreement::bounded, {8, 0},
                                  kFewerStepsWhereSynchronizationIsSlow),
            "8 lanes per network");
}

TEST(CudaBackend, AgreesWithTheCpuWhenTheBatchIsSplitIntoParts) {
  SKIP_WITHOUT_GPU();
  expect_backends_agree(kExample1AwayFromTheBoundary, Agreement::same_bits, {1, 50}, kFewerSeedsUnderAsan);
}

TEST(CudaBackend, AgreesWithTheCpuOnAppendixBInRegistersAndInGlobalMemory) {
  SKIP_WITHOUT_GPU();
  const std::string kernels = expect_backends_agree(kAppendixB, Agreement::same_bits, {1, 0});
  EXPECT_EQ(kernels, "thread per network, thread per network (registers, 8 samples)");
}

TEST(CudaBackend, AgreesWithTheCpuOnAWideNetwork) {
  SKIP_WITHOUT_GPU();
  const std::string kernels =
      expect_backends_agree(kWide, Agreement::bounded, {}, kFewerStepsWhereSynchronizationIsSlow);
  EXPECT_EQ(kernels, "block per network");
}

TEST(CudaBackend, AgreesWithTheCpuOnAHighDimensionalInput) {
  SKIP_WITHOUT_GPU();
  const std::string kernels = expect_backends_agree(kHighDimensional, Agreement::bounded, {},
                                                    joined(kFewerStepsWhereSynchronizationIsSlow, kOneCTildeUnderAsan));
  EXPECT_EQ(kernels, "block per network");
}

// Gradient flow on the device (FlowNetwork, one network per thread) against the CPU's flow: the same
// steps, bit for bit (the host drain test ThreadWorker.FlowNetworkMatchesTheCpuFlowAcrossSuspensions
// shows the worker does what the CPU does).
TEST(CudaBackend, IntegratesGradientFlowLikeTheCpu) {
  SKIP_WITHOUT_GPU();
  const Experiment e = testing::experiment_from(testing::kExample1Grid + R"(method = "flow"
max_time = 100000.0
[sweep]
n = [3, 6]
c_tilde = [0.0, 0.3, 0.5, 0.9, 1.0]
init_seed = [0, 1]
)");
  const Plan plan(e);
  Materializer materializer(plan);
  const std::vector<MaterializedTrial> trials = testing::materialize_all(plan, materializer);
  std::vector<TrialOutcome> gpu, cpu;
  TrainControl control;
  cuda::CudaBackend backend;
  backend.train(trials, materializer.evaluation(), gpu, control);
  EXPECT_EQ(backend.last_kernels(), "thread per network (gradient flow)");
  CpuBackend().train(trials, materializer.evaluation(), cpu, control);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    testing::expect_same_outcome_bits(gpu[i], cpu[i]);
  }
}

// --backend auto's hand-over: a helper that claims to be much faster takes every network still running
// after the first launch; they end with the CPU's bits, and the outcomes say where each was trained.
TEST(CudaBackend, HandsItsLastNetworksToTheCpuWithoutChangingABit) {
  SKIP_WITHOUT_GPU();
  const Experiment e = testing::experiment_from(kExample1AwayFromTheBoundary);
  const Plan plan(e);
  Materializer materializer(plan);
  const std::vector<MaterializedTrial> trials = testing::materialize_all(plan, materializer);
  cuda::CudaBackend backend(0, {1, 0});
  backend.set_tail_helper(
      TailHelper{std::make_unique<CpuBackend>(), 64, [](const MaterializedTrial&) { return 1e30; }});
  std::vector<TrialOutcome> hybrid, cpu;
  TrainControl control;
  backend.train(trials, materializer.evaluation(), hybrid, control);
  CpuBackend(0, CpuKernel::scalar).train(trials, materializer.evaluation(), cpu, control);
  EXPECT_EQ(control.finished.load(), 2 * plan.trial_count());
  int handed = 0;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    handed += hybrid[i].trained_on == TrainedOn::cuda_then_cpu;
    EXPECT_NE(hybrid[i].trained_on, TrainedOn::cpu);
    testing::expect_same_outcome_bits(hybrid[i], cpu[i]);
  }
  EXPECT_GT(handed, 0);
}

TEST(CudaBackend, ObeysACancelBetweenLaunches) {
  SKIP_WITHOUT_GPU();
  const Experiment e = testing::experiment_from(testing::kExample1Grid + "max_iters = 1000000000\n");
  const Plan plan(e);  // keeps a reference to e
  Materializer materializer(plan);
  const std::vector<MaterializedTrial> trials{materializer.materialize(0)};
  std::atomic<bool> cancel{true};
  TrainControl control;
  control.cancel = &cancel;
  std::vector<TrialOutcome> outcomes;
  EXPECT_THROW(cuda::CudaBackend(0).train(trials, materializer.evaluation(), outcomes, control), TrainingCancelled);
}

}  // namespace
}  // namespace perfgen
