// A reusable barrier for a fixed number of threads, as C++20's std::barrier (the project is C++17):
// the host teams of tests/support/host_team.h wait on it where the CUDA kernels synchronize. Waiters
// yield rather than sleep: a team crosses ~7 barriers a step, and on 2 cores the lane-group suite took
// 3 s so against 10 s with a mutex and condition variable, the block suite's 256 threads 3.5 s
// against 8.9 s for 300 steps.
#pragma once

#include <atomic>
#include <thread>

namespace perfgen::testing {

class Barrier {
 public:
  explicit Barrier(int count) : count_(count) {}
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // Returns once `count` threads have called it since it last opened.
  void wait() {
    const unsigned round = round_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == count_) {
      arrived_.store(0, std::memory_order_relaxed);
      round_.store(round + 1, std::memory_order_release);
      return;
    }
    while (round_.load(std::memory_order_acquire) == round) std::this_thread::yield();
  }

 private:
  const int count_;
  std::atomic<int> arrived_{0};
  std::atomic<unsigned> round_{0};
};

}  // namespace perfgen::testing
