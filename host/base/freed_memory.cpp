#include "freed_memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace perfgen {

void FreedMemoryReturner::maybe_return() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < interval_) return;
#if defined(__GLIBC__)
  malloc_trim(0);  // since glibc 2.8 also the free pages inside each arena, not only at its top
#endif
  last_ = std::chrono::steady_clock::now();
}

}  // namespace perfgen
