// One background thread that runs jobs in the order given, at most `capacity` waiting: the writer
// stage of a run, so that storing batch k overlaps training batch k + 1. With capacity 0 every job
// runs at once on the caller's thread (the serial pipeline). The first failure is rethrown by the
// next submit() or by finish(); the jobs waiting when it happens are dropped.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace perfgen {

class BackgroundQueue {
 public:
  explicit BackgroundQueue(std::size_t capacity);
  ~BackgroundQueue();  // finishes the queued jobs; a failure then is lost (call finish() to see it)
  BackgroundQueue(const BackgroundQueue&) = delete;
  BackgroundQueue& operator=(const BackgroundQueue&) = delete;

  void submit(std::function<void()> job);  // blocks while `capacity` jobs wait
  void finish();                           // runs every queued job, then rethrows the first failure

 private:
  void loop();
  void rethrow_failure();

  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false, stopping_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace perfgen
