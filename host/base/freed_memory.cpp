#include "freed_memory.h"

#include <algorithm>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace perfgen {

void FreedMemoryReturner::maybe_return() {
  const auto start = std::chrono::steady_clock::now();
  if (start - last_ < wait_) return;
#if defined(__GLIBC__)
  malloc_trim(0);  // since glibc 2.8 also the free pages inside each arena, not only at its top
#endif
  last_ = std::chrono::steady_clock::now();
  wait_ = std::max(interval_, 50 * (last_ - start));
}

}  // namespace perfgen
