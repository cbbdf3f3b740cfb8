// The CUDA backend against the CPU's scalar kernel (the same shared math, different tanh: CUDA's and
// glibc's differ by ~1 ulp): a few hundred Example-1 trials away from the Q1/Q2 boundary and a
// wide-regime case. Skips, saying why, where no usable GPU exists.
#include <gtest/gtest.h>

#include "cuda_backend.h"
#include "device_probe.h"
#include "test_support.h"

namespace perfgen {
namespace {

bool usable_gpu(std::string& why) {
  const cuda::DeviceProbe probe = cuda::probe_devices();
  for (const auto& d : probe.devices)
    if (d.compute_major >= 6) return true;
  why = probe.devices.empty() ? probe.problem : "no device of compute capability 6.0 or newer";
  return false;
}

void expect_backends_agree(const std::string& experiment) {
  const Experiment e = testing::experiment_from(experiment);
  const Plan plan(e);
  Materializer materializer(plan);
  std::vector<MaterializedTrial> trials;
  for (std::int64_t t = 0; t < plan.trial_count(); ++t) trials.push_back(materializer.materialize(t));
  std::vector<TrialOutcome> gpu, cpu;
  TrainControl control;
  cuda::CudaBackend(0).train(trials, materializer.evaluation(), gpu, control);
  CpuBackend(0, CpuKernel::scalar).train(trials, materializer.evaluation(), cpu, control);
  EXPECT_EQ(control.finished.load(), 2 * plan.trial_count());
  for (std::size_t i = 0; i < trials.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    EXPECT_EQ(gpu[i].train.status, cpu[i].train.status);
    EXPECT_EQ(gpu[i].branch.branch, cpu[i].branch.branch);
    EXPECT_EQ(gpu[i].recovered, cpu[i].recovered);
    EXPECT_LT(testing::relative_difference(gpu[i].train.final_loss, cpu[i].train.final_loss, 1e-20), 1e-9);
    for (std::size_t p = 0; p < cpu[i].theta.size(); ++p)
      EXPECT_NEAR(gpu[i].theta[p], cpu[i].theta[p], 1e-9 * std::max(1.0, std::abs(cpu[i].theta[p])));
  }
}

TEST(CudaBackend, AgreesWithTheCpuOnExample1AwayFromTheBoundary) {
  std::string why;
  if (!usable_gpu(why)) GTEST_SKIP() << "no usable CUDA device: " << why;
  expect_backends_agree(testing::kExample1Grid + R"(max_iters = 300000
[sweep]
n = [2, 6]
c_tilde = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.9, 0.95, 1.0]
init_seed = { range = [0, 12] }
)");  // 264 trials
}

TEST(CudaBackend, AgreesWithTheCpuOnAWideNetwork) {
  std::string why;
  if (!usable_gpu(why)) GTEST_SKIP() << "no usable CUDA device: " << why;
  expect_backends_agree(std::string(R"(
[model]
width = 200
activation = "rational"
[target]
activation = "tanh"
[data]
distribution = "grid"
n = 6
[init]
scale = 1e-6
ratio_start = 1.5015
ratio_step = 0.0015
[train]
lr = 0.01
max_iters = 20000
[sweep]
init_seed = [0, 1, 2]
)"));
}

}  // namespace
}  // namespace perfgen
