// Threads for host work: run a function on several threads, or spread an index range over them.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "cpu_share.h"

namespace perfgen {

// Threads to use when the caller asks for `requested` (≤ 0: one per CPU this process may run on).
inline int thread_count(int requested) { return requested > 0 ? requested : usable_cpus(); }

// Runs `work` on `count` threads (the caller being one of them) and rethrows the first failure;
// first_failed() runs once that failure is recorded (to make the other threads stop early: a failure
// of theirs then comes after it). Each `work` takes its share from a common counter, so when the
// system gives fewer threads (ulimit -u, many ranks on a node) the ones it gave do all of it.
template <class Work, class FirstFailed>
void run_threads(int count, Work work, FirstFailed first_failed) {
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto guarded = [&] {
    try {
      work();
    } catch (...) {
      bool first = false;
      {
        std::lock_guard<std::mutex> lock(failure_mutex);
        first = !failure;
        if (first) failure = std::current_exception();
      }
      if (first) first_failed();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < count; ++t) {
    try {
      pool.emplace_back(guarded);
    } catch (const std::system_error&) {
      break;
    }
  }
  guarded();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

template <class Work>
void run_threads(int count, Work work) {
  run_threads(count, work, [] {});
}

// body(i) for i in [0, size), in runs of `grain` indices handed out to up to `threads` threads; a
// range of one run stays on the calling thread.
template <class Body>
void parallel_for(std::size_t size, int threads, Body body, std::size_t grain = 256) {
  const std::size_t kChunk = std::max<std::size_t>(grain, 1);
  const int count = static_cast<int>(std::min<std::size_t>(thread_count(threads), (size + kChunk - 1) / kChunk));
  if (count <= 1) {
    for (std::size_t i = 0; i < size; ++i) body(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  run_threads(count, [&] {
    for (std::size_t begin = next.fetch_add(kChunk); begin < size; begin = next.fetch_add(kChunk))
      for (std::size_t i = begin; i < std::min(size, begin + kChunk); ++i) body(i);
  });
}

}  // namespace perfgen
