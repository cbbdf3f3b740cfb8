// The CUDA kernels' teams (cuda/team.h) on the host: one std::thread per member, a Barrier where the
// kernel synchronizes, and the members' values in shared rows, summed with the kernel's pairing and
// order, so the host tests run the kernels' own loops (cuda/group_loop.h, cuda/block_loop.h) and the
// sums are the kernel's bits.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <deque>
#include <thread>
#include <vector>

#include "barrier.h"

namespace perfgen::testing {

// An all-to-all exchange among `size` threads: each gives a value and gets every member's once all
// have given theirs. Two rows alternate: a row is written again two exchanges later, by a member that
// has passed the barrier of the exchange between, which every member reaches only after reading.
class Exchange {
 public:
  explicit Exchange(int size)
      : barrier_(size), rows_{std::vector<double>(size), std::vector<double>(size)}, rounds_(size) {}

  // Every member's v, by member; valid until this member's next call.
  const std::vector<double>& all(int member, double v) {
    std::vector<double>& row = rows_[rounds_[member]++ % 2];
    row[member] = v;
    barrier_.wait();
    return row;
  }
  void wait() { barrier_.wait(); }

 private:
  Barrier barrier_;
  std::vector<double> rows_[2];
  std::vector<long> rounds_;  // each member's exchanges so far (a member touches its own entry only)
};

// The kernels' butterfly over values[0, size), size ≤ 32 a power of two: at each level member l adds
// member l ^ offset's value (v += __shfl_xor_sync(…, offset)). Every member's result.
inline std::array<double, 32> butterfly(const double* values, int size) {
  std::array<double, 32> v{};
  std::copy(values, values + size, v.begin());
  for (int offset = size / 2; offset > 0; offset /= 2) {
    const std::array<double, 32> before = v;
    for (int l = 0; l < size; ++l) v[l] = before[l] + before[l ^ offset];
  }
  return v;
}

// A lane group of the lane-group kernel (WarpLanes, cuda/group_kernel.cu). Member 0 also checks that
// the butterfly left the same bits in every lane (NaN: any NaN), which the lanes' shared decisions
// rest on, and counts the sums where it did not.
template <int Lanes>
struct HostLanes {
  static_assert(Lanes <= 32 && (Lanes & (Lanes - 1)) == 0, "a power of two, at most a warp");
  static constexpr int kSize = Lanes;
  struct Shared {
    Exchange lanes{Lanes};
    std::atomic<long> disagreements{0};
  };
  Shared* shared;
  unsigned lane;

  unsigned rank() const { return lane; }
  double sum(double v) const {
    const std::array<double, 32> each = butterfly(shared->lanes.all(lane, v).data(), Lanes);
    if (lane == 0)
      for (int l = 1; l < Lanes; ++l)
        if (std::memcmp(&each[l], &each[0], sizeof(double)) != 0 && !(std::isnan(each[l]) && std::isnan(each[0]))) {
          ++shared->disagreements;
          break;
        }
    return each[lane];
  }
  int broadcast(int v) const { return static_cast<int>(shared->lanes.all(lane, v)[0]); }  // an int is exact
  void sync() const { shared->lanes.wait(); }
};

// A block of the block kernel (BlockThreads, cuda/block_kernel.cu), Threads a multiple of 32: sums
// over a warp are its butterfly, over the block the warps' butterflies added in warp order.
template <int Threads>
struct HostBlock {
  static_assert(Threads % 32 == 0, "whole warps");
  static constexpr int kSize = Threads;
  struct Shared {
    Exchange block{Threads};
    std::deque<Exchange> warps;
    Shared() {
      for (int w = 0; w < Threads / 32; ++w) warps.emplace_back(32);
    }
  };
  Shared* shared;
  unsigned thread;

  unsigned rank() const { return thread; }
  void sync() const { shared->block.wait(); }
  double warp_sum(double v) const {
    return butterfly(shared->warps[thread / 32].all(thread % 32, v).data(), 32)[thread % 32];
  }
  double sum(double v) const {
    const std::vector<double>& all = shared->block.all(thread, v);
    double total = 0.0;
    for (int w = 0; w < Threads / 32; ++w) total += butterfly(all.data() + 32 * w, 32)[0];
    return total;
  }
  double max(double v) const {
    const std::vector<double>& all = shared->block.all(thread, v);
    double largest = all[0];
    for (int member = 1; member < Threads; ++member) largest = std::fmax(largest, all[member]);
    return largest;
  }
  int broadcast(int v) const { return static_cast<int>(shared->block.all(thread, v)[0]); }  // an int is exact
};

// One launch on the host: loop(team) on one thread per member of a Team (HostLanes or HostBlock)
// sharing `shared`; returns when every member has returned.
template <class Team, class Loop>
void run_team(typename Team::Shared& shared, Loop loop) {
  std::vector<std::thread> members;
  for (unsigned rank = 0; rank < Team::kSize; ++rank) members.emplace_back(loop, Team{&shared, rank});
  for (std::thread& member : members) member.join();
}

}  // namespace perfgen::testing
