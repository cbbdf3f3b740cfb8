// The threads a run takes by default: the CPUs of its affinity mask, split between processes that
// share them.
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <string>

#include "cpu_share.h"
#include "parallel.h"

namespace perfgen {
namespace {

TEST(CpuShare, CountsTheCpusOfTheAffinityMask) {
  cpu_set_t all;
  ASSERT_EQ(sched_getaffinity(0, sizeof all, &all), 0);
  EXPECT_EQ(usable_cpus(), CPU_COUNT(&all));
  EXPECT_EQ(thread_count(0), CPU_COUNT(&all));
  EXPECT_EQ(thread_count(3), 3);
  if (CPU_COUNT(&all) < 2) GTEST_SKIP() << "one CPU: a mask narrower than all cannot be set";
  // As taskset -c or Slurm would leave it: one CPU of those allowed (the mask of this thread only).
  int first = 0;
  while (!CPU_ISSET(first, &all)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  const int narrowed = usable_cpus();
  ASSERT_EQ(sched_setaffinity(0, sizeof all, &all), 0);
  EXPECT_EQ(narrowed, 1);
  EXPECT_EQ(usable_cpus(), CPU_COUNT(&all));
}

TEST(CpuShare, SplitsCpusEvenlyAndGivesEveryProcessOne) {
  for (int cpus : {1, 2, 7, 16, 64})
    for (int sharers : {1, 2, 3, 5, 8}) {
      SCOPED_TRACE(std::to_string(cpus) + " CPUs, " + std::to_string(sharers) + " processes");
      int total = 0, fewest = cpus, most = 0;
      for (int index = 0; index < sharers; ++index) {
        const int share = share_of_cpus(cpus, index, sharers);
        total += share;
        fewest = std::min(fewest, share);
        most = std::max(most, share);
      }
      EXPECT_GE(fewest, 1);
      EXPECT_LE(most - fewest, 1);
      EXPECT_EQ(total, std::max(cpus, sharers));  // every CPU used, none twice while there are enough
    }
  EXPECT_EQ(share_of_cpus(7, 0, 3), 3);
  EXPECT_EQ(share_of_cpus(7, 2, 3), 2);
}

}  // namespace
}  // namespace perfgen
