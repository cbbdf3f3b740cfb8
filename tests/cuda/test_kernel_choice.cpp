// Which CUDA kernel trains which trials (cuda/kernel_choice.h), decided on the host: groups by layer
// sizes and register/block class, the lane-group kernel for few networks, forced choices, and the
// names the CUDA tests and `perfgen bench` expect. No GPU needed.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "batch_layout.h"
#include "experiments.h"
#include "kernel_choice.h"
#include "kernels.h"
#include "trials.h"

namespace perfgen {
namespace {

constexpr int kH200Multiprocessors = 132;

// The kernels chosen for the trials, as CudaBackend::last_kernels lists them.
std::set<std::string> kernels_for(const std::vector<MaterializedTrial>& trials, int lanes) {
  std::set<std::string> names;
  std::size_t members = 0;
  for (const cuda::TrialGroup& g : cuda::group_trials(trials)) {
    names.insert(cuda::describe(cuda::choose_kernel(g, {lanes, 0}, kH200Multiprocessors)));
    members += g.members.size();
  }
  EXPECT_EQ(members, trials.size());  // every trial in exactly one group
  return names;
}

TEST(KernelChoice, FewExample1NetworksSpreadOverLanesManyOnePerThread) {
  const auto few = testing::trials_of(testing::kExample1Grid + "[sweep]\nn = [2, 6]\nc_tilde = [0.0, 0.5, 1.0]\n");
  EXPECT_EQ(cuda::group_trials(few).size(), 1u);                                 // n = 2 and 6 train together
  EXPECT_EQ(kernels_for(few, 0), std::set<std::string>{"4 lanes per network"});  // 6 samples: 3 lanes → 4
  EXPECT_EQ(kernels_for(few, 1), std::set<std::string>{"thread per network (registers, 6 samples)"});
  EXPECT_EQ(kernels_for(few, 8), std::set<std::string>{"8 lanes per network"});
  EXPECT_EQ(kernels_for(few, 2),
            std::set<std::string>{"thread per network (registers, 6 samples)"});  // 2 lanes hold 4 samples
  const auto many = testing::trials_of(testing::kExample1Grid + "[sweep]\nc_tilde = {linspace = [0.0, 1.0, 5000]}\n");
  EXPECT_EQ(kernels_for(many, 0), std::set<std::string>{"thread per network (registers, 6 samples)"});
}

TEST(KernelChoice, RegistersHoldEightSamples) {
  const auto trials = testing::trials_of(testing::appendix_b_experiment(1000) + "[sweep]\nn = [4, 8, 12]\n");
  EXPECT_EQ(kernels_for(trials, 1),
            (std::set<std::string>{"thread per network", "thread per network (registers, 8 samples)"}));
  EXPECT_EQ(kernels_for(trials, 0), (std::set<std::string>{"4 lanes per network", "8 lanes per network"}));
}

TEST(KernelChoice, RegistersHoldTheFewestCompiledSamplesThatFit) {
  EXPECT_EQ(cuda::register_samples(1), 4);
  EXPECT_EQ(cuda::register_samples(4), 4);
  EXPECT_EQ(cuda::register_samples(5), 6);
  EXPECT_EQ(cuda::register_samples(6), 6);
  EXPECT_EQ(cuda::register_samples(7), 8);
  EXPECT_EQ(cuda::register_samples(8), 8);
  EXPECT_EQ(cuda::register_samples(9), 0);
  EXPECT_EQ(cuda::register_samples(6, 8), 8);          // asked for, compiled, and holds them
  EXPECT_EQ(cuda::register_samples(6, 4), 6);          // too few
  EXPECT_EQ(cuda::register_samples(3, 5), 4);          // not compiled
  for (const int count : cuda::kRegisterSampleCounts)  // every count chosen reaches its own kernel
    EXPECT_TRUE(cuda::with_register_samples(count, [&](auto compiled) { return decltype(compiled)::value == count; }));
  EXPECT_FALSE(cuda::with_register_samples(5, [](auto) { return true; }));
  const auto trials = testing::trials_of(testing::kExample1Grid + "[sweep]\nn = [3, 4]\n");
  const cuda::TrialGroup group = cuda::group_trials(trials).front();
  EXPECT_EQ(cuda::describe(cuda::choose_kernel(group, {1, 0}, kH200Multiprocessors)),
            "thread per network (registers, 4 samples)");
  EXPECT_EQ(cuda::describe(cuda::choose_kernel(group, {1, 0, 1, 8}, kH200Multiprocessors)),
            "thread per network (registers, 8 samples)");
}

TEST(KernelChoice, WideAndHighDimensionalNetworksTakeABlock) {
  EXPECT_EQ(kernels_for(testing::trials_of(testing::wide_rational_experiment(200, 1000)), 0),
            std::set<std::string>{"block per network"});
  EXPECT_EQ(kernels_for(testing::trials_of(testing::high_dimensional_experiment(50, 0.001, 1e-8, 1000)), 1),
            std::set<std::string>{"block per network"});
  EXPECT_EQ(kernels_for(testing::trials_of(testing::kExample1Grid, {"model.width=3"}), 0),
            std::set<std::string>{"thread per network"});  // small, but no register kernel for m = 3
}

// The hand-over of a part's last networks to the CPU (hands_tail_over), with H200-like rates: one
// network alone runs ~7·10^5 steps/s on a GPU thread (1.4 µs per step, 2026-11-30) and ~5·10^6 on a
// CPU lane; 128 CPU slots (16 cores × 8 lanes).
TEST(KernelChoice, TheLastNetworksMoveToTheHelperWhenTheyWouldFinishSoonerThere) {
  const cuda::KernelChoice per_thread{cuda::KernelKind::per_thread, 1};
  constexpr double kGpu = 7e5, kCpu = 5e6;
  constexpr int kSlots = 128;
  EXPECT_TRUE(cuda::hands_tail_over(per_thread, 1, kGpu, kCpu, kSlots));
  EXPECT_TRUE(cuda::hands_tail_over(per_thread, 128, kGpu, kCpu, kSlots));
  EXPECT_TRUE(cuda::hands_tail_over(per_thread, 900, kGpu, kCpu, kSlots));    // 5e6 · 128/900 = 7.1e5
  EXPECT_FALSE(cuda::hands_tail_over(per_thread, 1000, kGpu, kCpu, kSlots));  // 6.4e5: the GPU is faster
  EXPECT_FALSE(cuda::hands_tail_over(per_thread, 1, kCpu, kGpu, kSlots));     // a helper slower per network
  EXPECT_FALSE(cuda::hands_tail_over(per_thread, 0, kGpu, kCpu, kSlots));     // nothing left
  EXPECT_FALSE(cuda::hands_tail_over(per_thread, 10, kGpu, kCpu, 0));         // no helper
  // Kernels that sum in another order than the CPU keep their networks: a hand-over timed by the clock
  // would make their results vary from run to run.
  for (const cuda::KernelKind other :
       {cuda::KernelKind::per_group, cuda::KernelKind::per_block, cuda::KernelKind::flow})
    EXPECT_FALSE(cuda::hands_tail_over({other, 4}, 1, kGpu, kCpu, kSlots));
}

// A part's first launch cannot be cancelled: its steps are bounded by the work of a step (2^26
// parameter-samples of one network, as the CPU's cancel checks), so a wide network's first launch is
// not minutes long; later launches aim at 0.1-0.5 s from the time measured.
TEST(LaunchSteps, TheFirstLaunchIsBoundedByWorkAndLaterOnesByTime) {
  auto group = [](int width, int input_dim, int n) {
    cuda::TrialGroup g;
    g.shape = NetShape{width, input_dim, true, Activation::tanh};
    g.max_n = n;
    return g;
  };
  EXPECT_EQ(cuda::first_launch_steps(group(2, 1, 6)), 4096);                     // Example 1: 36 per step
  EXPECT_EQ(cuda::first_launch_steps(group(1000, 1, 100)), (1 << 26) / 300000);  // P = 3000
  EXPECT_EQ(cuda::first_launch_steps(group(2000, 500, 500)), 1);                 // 5·10^8 per step
  EXPECT_EQ(cuda::next_launch_steps(4096, 0.01), 8192);
  EXPECT_EQ(cuda::next_launch_steps(std::int64_t{1} << 26, 0.01), std::int64_t{1} << 26);  // at most
  EXPECT_EQ(cuda::next_launch_steps(4096, 0.3), 4096);
  EXPECT_EQ(cuda::next_launch_steps(4096, 60.0), 20);  // 4096 · 0.3 / 60: one launch back to ~0.3 s
  EXPECT_EQ(cuda::next_launch_steps(1, 60.0), 1);
}

// The device's results count iterations from 0: a trial that starts mid-run (first_iteration, set for
// a network handed to the CPU) is refused, not silently restarted.
TEST(BatchLayout, RefusesATrialThatStartsMidRun) {
  std::vector<MaterializedTrial> trials = testing::trials_of(testing::kExample1Grid, {"sweep.c_tilde=[0.5, 1.0]"});
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_NO_THROW(cuda::lay_out(trials, {0, 1}));
  trials[1].first_iteration = 10;
  EXPECT_THROW(cuda::lay_out(trials, {0, 1}), std::logic_error);
}

// A part holds what 80% of the memory this process may take allows: the free memory, or, when ranks
// share the device, its share of the total (each rank measures the free memory before the others
// allocate, so 80% of it each would not fit).
TEST(PartSize, EachProcessOfASharedDeviceTakesItsShareOfTheMemory) {
  constexpr std::size_t kGiB = std::size_t{1} << 30;
  constexpr double kTrial = 1024;  // bytes
  EXPECT_EQ(cuda::trials_per_part(100 * kGiB, 140 * kGiB, kTrial, 1, 0),
            static_cast<std::size_t>(0.8 * 100 * kGiB / kTrial));
  EXPECT_EQ(cuda::trials_per_part(100 * kGiB, 140 * kGiB, kTrial, 2, 0),
            static_cast<std::size_t>(0.8 * 70 * kGiB / kTrial));
  EXPECT_EQ(cuda::trials_per_part(10 * kGiB, 140 * kGiB, kTrial, 2, 0),
            static_cast<std::size_t>(0.8 * 10 * kGiB / kTrial));
  EXPECT_EQ(cuda::trials_per_part(100 * kGiB, 140 * kGiB, kTrial, 1, 4096), 4096u);
  EXPECT_EQ(cuda::trials_per_part(100, 140, kTrial, 1, 0), 0u);  // not one trial fits
}

}  // namespace
}  // namespace perfgen
