// The writer stage's queue: jobs run in the order given, a failure reaches the caller, and with
// capacity 0 every job runs at once on the caller's thread.
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "background_queue.h"

namespace perfgen {
namespace {

TEST(BackgroundQueue, RunsJobsInOrderOnItsOwnThread) {
  std::vector<int> done;
  std::vector<std::thread::id> threads;
  {
    BackgroundQueue queue(2);
    for (int k = 0; k < 50; ++k)
      queue.submit([&, k] {
        done.push_back(k);
        threads.push_back(std::this_thread::get_id());
      });
    queue.finish();
  }
  ASSERT_EQ(done.size(), 50u);
  for (int k = 0; k < 50; ++k) EXPECT_EQ(done[k], k);
  EXPECT_NE(threads.front(), std::this_thread::get_id());
}

TEST(BackgroundQueue, WithoutCapacityRunsEachJobAtOnceOnTheCaller) {
  BackgroundQueue queue(0);
  std::thread::id ran_on;
  queue.submit([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(BackgroundQueue, AFailureReachesTheCallerAndLaterJobsAreDropped) {
  BackgroundQueue queue(1);
  bool later_ran = false;
  queue.submit([] { throw std::runtime_error("disk full"); });
  try {
    queue.submit([&] { later_ran = true; });
    queue.finish();
    FAIL() << "the failure was not rethrown";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "disk full");
  }
  queue.finish();  // reported once
  EXPECT_FALSE(later_ran);
}

}  // namespace
}  // namespace perfgen
