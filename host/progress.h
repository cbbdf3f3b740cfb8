// A progress line with an ETA on stderr while a run trains: redrawn every second on a terminal,
// one line every 30 s otherwise (logs of batch jobs).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace perfgen {

class ProgressReporter {
 public:
  // `finished` counts the trials done since the reporter started.
  ProgressReporter(std::int64_t total, std::int64_t already_done, const std::atomic<std::int64_t>& finished,
                   bool enabled);
  ~ProgressReporter();

 private:
  void loop();
  void print(bool final_line);

  std::int64_t total_;
  std::int64_t already_done_;
  const std::atomic<std::int64_t>& finished_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace perfgen
