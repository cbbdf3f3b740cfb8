#include "background_queue.h"

namespace perfgen {

BackgroundQueue::BackgroundQueue(std::size_t capacity) : capacity_(capacity) {
  if (capacity_ > 0) thread_ = std::thread([this] { loop(); });
}

BackgroundQueue::~BackgroundQueue() {
  try {
    finish();
  } catch (...) {
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundQueue::rethrow_failure() {
  if (!failure_) return;
  std::exception_ptr failure = failure_;
  failure_ = nullptr;
  std::rethrow_exception(failure);
}

void BackgroundQueue::submit(std::function<void()> job) {
  if (capacity_ == 0) {
    job();
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return jobs_.size() < capacity_ || failure_; });
  rethrow_failure();
  jobs_.push_back(std::move(job));
  changed_.notify_all();
}

void BackgroundQueue::finish() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return (jobs_.empty() && !busy_) || failure_; });
  rethrow_failure();
}

void BackgroundQueue::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return !jobs_.empty() || stopping_; });
    if (jobs_.empty()) return;
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    std::exception_ptr failure;
    try {
      job();
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    if (failure && !failure_) {
      failure_ = failure;
      jobs_.clear();
    }
    changed_.notify_all();
  }
}

}  // namespace perfgen
