// The CUDA runtime emulated on the host (tests/support/cuda_on_host/cuda_runtime.h) on small kernels of
// its own: what a kernel sees (built-in indices, shared memory through __syncthreads and through a
// lane group's __syncwarp) and how a launch fails (a thread that throws, threads that wait for one
// another, a shuffle or __syncwarp outside its mask). Under TSan the two shared-memory tests also show
// that the barriers order the threads' memory (each reported as a race with its barrier removed).
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr unsigned kBlocks = 3, kThreads = 64;

// out[thread of the grid] = the block's next thread's value, read from shared memory after a barrier.
__global__ void pass_through_shared_memory(int* out) {
  __shared__ int values[kThreads];
  const unsigned t = threadIdx.x;
  values[t] = static_cast<int>(blockIdx.x * 1000 + t);
  __syncthreads();
  out[blockIdx.x * blockDim.x + t] = values[(t + 1) % blockDim.x] + static_cast<int>(gridDim.x) * 100000;
}

constexpr unsigned kGroupLanes = 8;

// Lane groups of 8, as in the lane-group kernel: each group's first lane writes the group's value,
// which every lane of the group reads after the group's __syncwarp.
__global__ void pass_within_lane_groups(int* out) {
  __shared__ int group_values[kThreads / kGroupLanes];
  const unsigned t = threadIdx.x, group = t / kGroupLanes;
  if (t % kGroupLanes == 0) group_values[group] = static_cast<int>(blockIdx.x * 100 + group);
  __syncwarp(0xffu << (t % 32 / kGroupLanes * kGroupLanes));
  out[blockIdx.x * blockDim.x + t] = group_values[group];
}

__global__ void syncwarp_outside_the_mask() {
  if (threadIdx.x < 8) __syncwarp(0xfu);  // lanes 4-7 call with a mask of lanes 0-3
}

__global__ void throw_in_one_thread() {
  if (blockIdx.x == 1 && threadIdx.x == 3) throw std::runtime_error("thrown on purpose");
  __syncthreads();
}

__global__ void shuffle_with_a_lane_that_returned() {
  if (threadIdx.x == 0) __shfl_sync(0x3u, 1, 1);  // lane 1 returns without shuffling
}

__global__ void shuffle_outside_the_mask() {
  if (threadIdx.x < 8) __shfl_sync(0xfu, 1, 0);  // lanes 4-7 call with a mask of lanes 0-3
}

__global__ void shuffle_with_the_next_lane(int* out) { out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1, 1); }

// The launch's error, then cleared for the next test.
std::string launch_failure() {
  const cudaError_t error = cudaGetLastError();
  const std::string message = error == cudaSuccess ? "" : cudaGetErrorString(error);
  perfgen_on_host::launch_state.clear();
  return message;
}

TEST(EmulatedRuntime, EachThreadSeesItsIndicesAndItsBlocksSharedMemory) {
  std::vector<int> seen(kBlocks * kThreads, -1);
  PERFGEN_LAUNCH(kBlocks, kThreads, pass_through_shared_memory)(seen.data());
  ASSERT_EQ(launch_failure(), "");
  for (unsigned b = 0; b < kBlocks; ++b)
    for (unsigned t = 0; t < kThreads; ++t)
      EXPECT_EQ(seen[b * kThreads + t], static_cast<int>(b * 1000 + (t + 1) % kThreads + kBlocks * 100000))
          << "block " << b << ", thread " << t;
}

TEST(EmulatedRuntime, TheLanesOfAGroupSeeWhatOneWroteBeforeTheirSyncwarp) {
  std::vector<int> seen(kBlocks * kThreads, -1);
  PERFGEN_LAUNCH(kBlocks, kThreads, pass_within_lane_groups)(seen.data());
  ASSERT_EQ(launch_failure(), "");
  for (unsigned b = 0; b < kBlocks; ++b)
    for (unsigned t = 0; t < kThreads; ++t)
      EXPECT_EQ(seen[b * kThreads + t], static_cast<int>(b * 100 + t / kGroupLanes))
          << "block " << b << ", thread " << t;
}

TEST(EmulatedRuntime, AThreadThatThrowsFailsTheLaunch) {
  PERFGEN_LAUNCH(kBlocks, kThreads, throw_in_one_thread)();
  EXPECT_EQ(launch_failure(), "block 1, thread 3: thrown on purpose");
}

TEST(EmulatedRuntime, ThreadsThatWaitForEachOtherFailTheLaunch) {
  PERFGEN_LAUNCH(1, 32, shuffle_with_a_lane_that_returned)();
  EXPECT_NE(launch_failure().find("every thread left waits at a barrier or shuffle"), std::string::npos);
}

TEST(EmulatedRuntime, AShuffleOutsideItsMaskFailsTheLaunch) {
  PERFGEN_LAUNCH(1, 32, shuffle_outside_the_mask)();
  EXPECT_NE(launch_failure().find("is not in its mask"), std::string::npos);
}

TEST(EmulatedRuntime, ASyncwarpOutsideItsMaskFailsTheLaunch) {
  PERFGEN_LAUNCH(1, 32, syncwarp_outside_the_mask)();
  const std::string failure = launch_failure();
  EXPECT_NE(failure.find("__syncwarp: lane "), std::string::npos) << failure;
  EXPECT_NE(failure.find(" is not in its mask"), std::string::npos) << failure;
}

TEST(EmulatedRuntime, AFailedLaunchLeavesTheNextWorking) {
  PERFGEN_LAUNCH(kBlocks, kThreads, throw_in_one_thread)();
  EXPECT_NE(launch_failure(), "");
  std::vector<int> seen(kThreads, 0);
  PERFGEN_LAUNCH(1, kThreads, shuffle_with_the_next_lane)(seen.data());
  EXPECT_EQ(launch_failure(), "");
  EXPECT_EQ(seen, std::vector<int>(kThreads, 1));
}

}  // namespace
