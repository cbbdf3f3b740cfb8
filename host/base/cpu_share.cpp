#include "cpu_share.h"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace perfgen {

int usable_cpus() {
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof mask, &mask) == 0) return std::max(1, CPU_COUNT(&mask));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int share_of_cpus(int cpus, int index, int sharers) {
  if (sharers <= 1) return std::max(1, cpus);
  return std::max(1, cpus / sharers + (index < cpus % sharers ? 1 : 0));
}

}  // namespace perfgen
