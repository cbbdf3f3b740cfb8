#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace perfgen {

namespace {

// The Kaplan–Meier estimate of a trial's length from the finished trials' lengths (buckets by bit
// length, each at its mean) with the running trials censored at their mean progress, the chance of
// outliving every finished trial put at mean_bound. Sets a new trial's expected steps and a running
// one's expected steps still to take; false when the lengths are not reported.
bool estimate_from_lengths(const WorkCounts& work, double mean_bound, double& new_trial, double& running_left) {
  double reported = 0;
  for (const double count : work.finished_by_length) reported += count;
  // Read while trials finish, the buckets may lag `finished` by a few; a backend that reports no
  // lengths (CUDA, whose CPU helper reports some) lags by far more.
  if (work.finished == 0 || reported < 0.99 * static_cast<double>(work.finished)) return false;
  const double running = static_cast<double>(work.started - work.finished);
  const double progress = running > 0 ? std::max(0.0, work.steps - work.finished_steps) / running : 0.0;
  double survival = 1.0, finished_ahead = reported, mean = 0.0, beyond = 0.0, beyond_chance = 0.0;
  for (std::size_t b = 0; b < work.finished_by_length.size(); ++b) {
    const double count = work.finished_by_length[b];
    if (count == 0) continue;
    const double length = work.finished_steps_by_length[b] / count;
    const double at_risk = finished_ahead + (length <= progress ? running : 0.0);  // the running outlived it
    const double mass = survival * count / at_risk;
    survival -= mass;
    finished_ahead -= count;
    mean += mass * length;
    if (length > progress) {
      beyond += mass * length;
      beyond_chance += mass;
    }
  }
  new_trial = mean + survival * mean_bound;
  beyond += survival * mean_bound;
  beyond_chance += survival;
  running_left = beyond_chance > 0 ? beyond / beyond_chance - progress : mean_bound - progress;
  running_left = std::clamp(running_left, 0.0, std::max(0.0, mean_bound - progress));
  return true;
}

}  // namespace

RemainingWork remaining_work(const WorkCounts& work) {
  const double mean_bound = work.trials > 0 ? work.bound_steps / static_cast<double>(work.trials) : 0.0;
  const double running = static_cast<double>(work.started - work.finished);
  const double pending = static_cast<double>(work.trials - work.started);
  const double running_steps = std::max(0.0, work.steps - work.finished_steps);
  RemainingWork left;
  left.most = std::max(0.0, (running + pending) * mean_bound - running_steps);
  double new_trial = 0, running_left = 0;
  if (estimate_from_lengths(work, mean_bound, new_trial, running_left)) {
    left.expected = std::min(left.most, running * running_left + pending * std::min(new_trial, mean_bound));
    return left;
  }
  const double as_long_again = std::min(running_steps, running * mean_bound - running_steps);
  const double per_trial =
      work.started > 0 ? (work.finished_steps + 2.0 * running_steps) / static_cast<double>(work.started) : mean_bound;
  left.expected = std::min(left.most, std::max(0.0, as_long_again) + pending * std::min(per_trial, mean_bound));
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

// Steps per second over the last ~20 s (since the start before that): a rate that follows the run's
// phases, e.g. the tail, when packs run part-empty.
double ProgressReporter::recent_rate(double elapsed, double steps) {
  samples_.emplace_back(elapsed, steps);
  while (samples_.size() > 2 && elapsed - samples_[1].first >= 20.0) samples_.pop_front();
  const auto [then, steps_then] = samples_.size() > 1 ? samples_.front() : std::make_pair(0.0, 0.0);
  return elapsed > then && steps > steps_then ? (steps - steps_then) / (elapsed - then) : steps / elapsed;
}

// From the recent steps per second; a backend that counts no steps gets the trials' rate.
std::string ProgressReporter::eta(double elapsed) {
  WorkCounts work{total_ - already_done_,
                  bound_steps_,
                  control_.started.load(),
                  control_.finished.load(),
                  static_cast<double>(control_.steps.load()),
                  static_cast<double>(control_.finished_steps.load())};
  for (int b = 0; b < TrainControl::kLengthBuckets; ++b) {
    work.finished_by_length[b] = static_cast<double>(control_.finished_by_length[b].load());
    work.finished_steps_by_length[b] = static_cast<double>(control_.finished_steps_by_length[b].load());
  }
  if (work.steps <= 0) {
    if (work.finished == 0) return "?";
    return duration_text(elapsed / static_cast<double>(work.finished) *
                         static_cast<double>(work.trials - work.finished));
  }
  const double rate = recent_rate(elapsed, work.steps);
  const RemainingWork left = remaining_work(work);
  std::string text = duration_text(left.expected / rate);
  if (left.most > 1.5 * left.expected) text += " (up to " + duration_text(left.most / rate) + ")";
  return text;
}

// On a terminal the line is redrawn in place, and cleared to its end (a shorter line leaves nothing).
// The percentage is rounded down: 100% only when every trial is done.
void ProgressReporter::print(bool final_line) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::int64_t done = control_.finished.load();
  std::fprintf(stderr, "%strials %lld/%lld (%.0f%%), %.0f s elapsed, ETA %s%s%s", terminal_ ? "\r" : "",
               static_cast<long long>(already_done_ + done), static_cast<long long>(total_),
               std::floor(100.0 * static_cast<double>(already_done_ + done) / static_cast<double>(total_)), elapsed,
               eta(elapsed).c_str(), terminal_ ? "\033[K" : "", final_line || !terminal_ ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace perfgen
