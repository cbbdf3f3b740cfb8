// How much more memory this process may take: the least of what the machine has available, the room
// left under its address-space limit (ulimit -v) and the room left in its memory cgroup (a Slurm job's
// --mem, a container's limit), each named, so that a sweep too large is refused with the limit that
// stops it instead of failing with bad_alloc or being killed without a word.
#pragma once

#include <string>

namespace perfgen {

struct AvailableMemory {
  double bytes = 1e18;     // 1e18 when nothing could be read: nothing is refused for memory
  std::string limited_by;  // "MemAvailable", "under its address-space limit, ulimit -v", "in its cgroup, FILE"
};

// Where the figures are read; the defaults are this process's own, tests give a folder of their own.
struct MemorySources {
  std::string meminfo = "/proc/meminfo";
  std::string own_cgroups = "/proc/self/cgroup";
  std::string cgroup_root = "/sys/fs/cgroup";
  std::string own_status = "/proc/self/status";  // VmSize: the address space already taken
  double address_space_limit = -1;               // bytes; < 0: this process's RLIMIT_AS (soft)
  int threads = 0;                               // the threads it will start; 0: one per usable CPU
};

AvailableMemory available_memory(const MemorySources& sources = {});

}  // namespace perfgen
