#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace perfgen {

RemainingWork remaining_work(const WorkCounts& work) {
  const double mean_bound = work.trials > 0 ? work.bound_steps / static_cast<double>(work.trials) : 0.0;
  const double running = static_cast<double>(work.started - work.finished);
  const double pending = static_cast<double>(work.trials - work.started);
  const double running_steps = std::max(0.0, work.steps - work.finished_steps);
  RemainingWork left;
  left.most = std::max(0.0, (running + pending) * mean_bound - running_steps);
  const double running_left = std::min(running_steps, running * mean_bound - running_steps);
  const double per_trial =
      work.started > 0 ? (work.finished_steps + 2.0 * running_steps) / static_cast<double>(work.started) : mean_bound;
  left.expected = std::min(left.most, std::max(0.0, running_left) + pending * std::min(per_trial, mean_bound));
  return left;
}

std::string duration_text(double seconds) {
  char text[32];
  if (seconds < 120)
    std::snprintf(text, sizeof text, "%.0f s", seconds);
  else if (seconds < 7200)
    std::snprintf(text, sizeof text, "%.1f min", seconds / 60);
  else
    std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
  return text;
}

ProgressReporter::ProgressReporter(std::int64_t total, std::int64_t already_done, double bound_steps,
                                   const TrainControl& control, bool enabled)
    : total_(total),
      already_done_(already_done),
      bound_steps_(bound_steps),
      control_(control),
      terminal_(::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()) {
  if (enabled) thread_ = std::thread([this] { loop(); });
}

ProgressReporter::~ProgressReporter() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (terminal_) print(true);
}

void ProgressReporter::loop() {
  const auto period = terminal_ ? std::chrono::seconds(1) : std::chrono::seconds(30);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stop_; })) print(false);
}

// From the steps per second so far; a backend that counts no steps (CUDA) gets the trials' rate.
std::string ProgressReporter::eta(double elapsed) const {
  const WorkCounts work{total_ - already_done_, bound_steps_,         control_.started.load(), control_.finished.load(),
                        static_cast<double>(control_.steps.load()), static_cast<double>(control_.finished_steps.load())};
  if (work.steps <= 0) {
    if (work.finished == 0) return "?";
    return duration_text(elapsed / static_cast<double>(work.finished) *
                         static_cast<double>(work.trials - work.finished));
  }
  const double rate = work.steps / elapsed;
  const RemainingWork left = remaining_work(work);
  std::string text = duration_text(left.expected / rate);
  if (left.most > 1.5 * left.expected) text += " (at most " + duration_text(left.most / rate) + ")";
  return text;
}

void ProgressReporter::print(bool final_line) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::int64_t done = control_.finished.load();
  std::fprintf(stderr, "%strials %lld/%lld (%.0f%%), %.0f s elapsed, ETA %s%s", terminal_ ? "\r" : "",
               static_cast<long long>(already_done_ + done), static_cast<long long>(total_),
               100.0 * static_cast<double>(already_done_ + done) / static_cast<double>(total_), elapsed,
               eta(elapsed).c_str(), final_line || !terminal_ ? "\n" : "   ");
  std::fflush(stderr);
}

}  // namespace perfgen
