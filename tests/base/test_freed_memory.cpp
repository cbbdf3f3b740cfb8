// Memory one thread allocated and another freed goes back to the system when FreedMemoryReturner
// hands it back: the resident size falls (glibc; the sanitizers' own allocators keep theirs).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "freed_memory.h"

namespace perfgen {
namespace {

double resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

// Blocks of 2 KiB, below malloc's mmap threshold, allocated on another thread (so in its arena), every
// page written; after each 512 of them a small block that stays allocated, as a run's long-lived rows do
// between its temporary ones. Freeing the 2 KiB blocks leaves 1 MiB holes that malloc keeps resident,
// since a kept block sits above each (1 MiB: whole pages to hand back, even of 64 KiB).
struct Fragmented {
  std::vector<std::unique_ptr<char[]>> freed, kept;
  explicit Fragmented(std::size_t mib) {
    freed.resize(mib * 512);
    std::thread([&] {
      for (std::size_t i = 0; i < freed.size(); ++i) {
        freed[i].reset(new char[2048]);
        std::fill(freed[i].get(), freed[i].get() + 2048, 1);
        if (i % 512 == 511) kept.emplace_back(new char[16]);
      }
    }).join();
    freed.clear();
  }
};

TEST(FreedMemory, BlocksFreedOnAnotherThreadGoBackToTheSystem) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || !defined(__GLIBC__)
  GTEST_SKIP() << "glibc's malloc only (a sanitizer's allocator keeps freed memory in quarantine)";
#endif
  const Fragmented memory(256);
  const double before = resident_mib();
  FreedMemoryReturner returner(std::chrono::seconds(0));
  returner.maybe_return();
  const double after = resident_mib();
  EXPECT_GT(before, 200) << "the freed blocks were resident before";
  EXPECT_LT(after, before - 128) << "resident " << before << " MiB before, " << after << " MiB after";
}

// Within the interval nothing is walked; the first call after it is (checked through its effect).
TEST(FreedMemory, AtMostOncePerInterval) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || !defined(__GLIBC__)
  GTEST_SKIP() << "glibc's malloc only";
#endif
  FreedMemoryReturner returner(std::chrono::hours(1));
  const Fragmented memory(128);
  const double before = resident_mib();
  ASSERT_GT(before, 100) << "the freed blocks were resident before";
  returner.maybe_return();  // an hour has not passed since it was made
  EXPECT_GT(resident_mib(), before - 32);
}

}  // namespace
}  // namespace perfgen
