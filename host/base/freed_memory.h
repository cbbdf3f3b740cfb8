// Memory freed by one thread of a run and allocated by another stays with glibc's per-thread arenas
// unless it is handed back: at 4·10^5 cells the resident size of a run reached 1.6× `perfgen plan`'s
// estimate, with nothing held (bench/NOTES.md, "The memory estimate against peak resident size").
#pragma once

#include <chrono>

namespace perfgen {

// Hands the free memory of every malloc arena back to the system, at most once per `interval`, and
// at most 2% of the time: the walk over the arenas locks each in turn and costs time even when little
// was freed (tens of ms over a fragmented heap), so a slow walk stretches the wait before the next.
class FreedMemoryReturner {
 public:
  explicit FreedMemoryReturner(std::chrono::steady_clock::duration interval = std::chrono::seconds(1))
      : interval_(interval), wait_(interval) {}
  void maybe_return();  // returns it if the wait since the last time has passed

 private:
  std::chrono::steady_clock::duration interval_, wait_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace perfgen
