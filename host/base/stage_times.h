// Where a run's time goes: wall seconds per stage, summed over the stage's parts. Stages of the
// pipeline overlap, so their sum may exceed the run's wall time; the largest is the bottleneck.
#pragma once

#include <array>
#include <chrono>
#include <mutex>
#include <string>

namespace perfgen {

enum class Stage { plan, materialize, train, columns, write, merge, count };

inline const char* stage_name(Stage s) {
  static constexpr const char* kNames[] = {"plan", "materialize", "train", "columns", "write", "merge"};
  return kNames[static_cast<int>(s)];
}

class StageTimes {
 public:
  void add(Stage s, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    seconds_[static_cast<int>(s)] += seconds;
  }
  double seconds(Stage s) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seconds_[static_cast<int>(s)];
  }
  // Runs work() and counts its wall time to stage s.
  template <class Work>
  auto time(Stage s, Work work) {
    const auto start = std::chrono::steady_clock::now();
    struct Stop {
      StageTimes& times;
      Stage stage;
      std::chrono::steady_clock::time_point start;
      ~Stop() { times.add(stage, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()); }
    } stop{*this, s, start};
    return work();
  }
  // "plan 0.01 s, materialize 0.52 s, ..." for the stages that took any time.
  std::string report() const;

 private:
  mutable std::mutex mutex_;
  std::array<double, static_cast<int>(Stage::count)> seconds_{};
};

}  // namespace perfgen
