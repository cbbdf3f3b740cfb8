#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace perfgen {

ProgressReporter::ProgressReporter(std::int64_t total, std::int64_t already_done,
                                   const std::atomic<std::int64_t>& finished, bool enabled)
    : total_(total),
      already_done_(already_done),
      finished_(finished),
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

void ProgressReporter::print(bool final_line) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::int64_t done = finished_.load();
  const std::int64_t remaining = total_ - already_done_ - done;
  char eta[32] = "?";
  if (done > 0) std::snprintf(eta, sizeof eta, "%.0f s", elapsed / done * remaining);
  std::fprintf(stderr, "%strials %lld/%lld (%.0f%%), %.0f s elapsed, ETA %s%s", terminal_ ? "\r" : "",
               static_cast<long long>(already_done_ + done), static_cast<long long>(total_),
               100.0 * (already_done_ + done) / total_, elapsed, eta, final_line || !terminal_ ? "\n" : "   ");
  std::fflush(stderr);
}

}  // namespace perfgen
