// Memory freed by one thread of a run and allocated by another stays with glibc's per-thread arenas
// unless it is handed back: at 4·10^5 cells the resident size of a run reached 1.6× `perfgen plan`'s
// estimate, with nothing held (bench/NOTES.md, "The memory estimate against peak resident size").
#pragma once

#include <chrono>

namespace perfgen {

// Hands the free memory of every malloc arena back to the system, at most once per `interval`: the
// walk over the arenas costs time, memory freed in between waits for the next call.
class FreedMemoryReturner {
 public:
  explicit FreedMemoryReturner(std::chrono::steady_clock::duration interval = std::chrono::seconds(1))
      : interval_(interval) {}
  void maybe_return();  // returns it if `interval` has passed since the last time

 private:
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace perfgen
