// A progress line with an ETA on stderr while a run trains: redrawn every second on a terminal,
// one line every 30 s otherwise (logs of batch jobs). The ETA comes from work (network-steps), not
// from trials: a sweep's trials differ in length by orders of magnitude, and the long ones finish last.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "perfgen/backend.h"

namespace perfgen {

// What is known of the work of the trials a run trains.
struct WorkCounts {
  std::int64_t trials = 0;  // to train in this run
  double bound_steps = 0;   // Σ (max_iters + 1) over them: no trial takes more
  std::int64_t started = 0, finished = 0;
  double steps = 0, finished_steps = 0;  // network-steps taken: by all started trials, by the finished ones
  // The finished trials by length (TrainControl::finished_by_length): counts and network-steps.
  std::array<double, TrainControl::kLengthBuckets> finished_by_length{}, finished_steps_by_length{};
};

// Network-steps still to take: `expected`, and `most` (every unfinished trial runs to max_iters).
// When the backend reports the finished trials' lengths, the lengths are estimated from them
// (Kaplan–Meier, the running trials counted as at least as long as their mean progress so far, and
// the chance of outliving every finished trial put at max_iters): a trial not started takes the
// mean length, a running one the mean beyond its progress. Otherwise a running trial is expected to
// take as many steps again as it has taken (the median under ignorance of its length), one not
// started as many as the started ones are expected to take in all.
struct RemainingWork {
  double expected = 0, most = 0;
};
RemainingWork remaining_work(const WorkCounts& work);

// "42 s", "3.5 min", "2.1 h".
std::string duration_text(double seconds);

class ProgressReporter {
 public:
  // total: trials this process owns, already_done of them before this run (the rest it trains);
  // bound_steps: the work bound of those it trains. control counts what the backend has done.
  ProgressReporter(std::int64_t total, std::int64_t already_done, double bound_steps, const TrainControl& control,
                   bool enabled);
  ~ProgressReporter();

 private:
  void loop();
  void print(bool final_line);
  std::string eta(double elapsed);
  double recent_rate(double elapsed, double steps);

  std::int64_t total_;
  std::int64_t already_done_;
  double bound_steps_;
  const TrainControl& control_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::deque<std::pair<double, double>> samples_;  // (seconds elapsed, steps) of the last ~20 s
  std::thread thread_;
};

}  // namespace perfgen
