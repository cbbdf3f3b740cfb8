#include "available_memory.h"

#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cpu_share.h"

namespace fs = std::filesystem;

namespace perfgen {

namespace {

// The number after `key` on a line "key number …" of a file (/proc's "MemAvailable: N kB", a cgroup's
// memory.stat "inactive_file N"); < 0 if absent.
double field(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name;
    double value = 0;
    if (fields >> name >> value && name == key) return value;
  }
  return -1;
}

// A cgroup file holding one number ("max" or a v1 "no limit", about 2^63, read as none); < 0 if none.
double cgroup_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return -1;
  std::istringstream number(text);
  double value = -1;
  if (!(number >> value) || value >= 1e18) return -1;
  return value;
}

// bytes < 0: not known.
void take_if_less(AvailableMemory& available, double bytes, const std::string& what) {
  if (bytes >= 0 && bytes < available.bytes) available = {bytes, what};
}

// The files of a memory cgroup, v1 or v2.
struct CgroupFiles {
  const char *limit, *usage, *inactive_cache;  // inactive_cache: the key in memory.stat
};
constexpr CgroupFiles kV1{"memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"};
constexpr CgroupFiles kV2{"memory.max", "memory.current", "inactive_file"};

// The room in the memory cgroup at `folder`: its limit less its usage, the usage without the page cache
// the kernel reclaims first (a job that has just written files would otherwise seem full); < 0 if no limit.
double cgroup_room(const fs::path& folder, const CgroupFiles& files) {
  const double limit = cgroup_number((folder / files.limit).string());
  if (limit < 0) return -1;
  const double usage = std::max(0.0, cgroup_number((folder / files.usage).string()));
  const double cache = std::max(0.0, field((folder / "memory.stat").string(), files.inactive_cache));
  return std::max(0.0, limit - std::max(0.0, usage - cache));
}

// The least room in this process's memory cgroup and those above it, up to the mount (Slurm limits a
// job's and a step's cgroup; a task's own often has no limit). The cgroup is the "0::PATH" line of
// /proc/self/cgroup (v2) or the line naming the memory controller (v1); a PATH not found below the mount
// is read at the mount's top, where a container's namespace shows its own cgroup.
void take_cgroup_room(AvailableMemory& available, const MemorySources& sources) {
  std::ifstream lines(sources.own_cgroups);
  for (std::string line; std::getline(lines, line);) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const bool v2 = line.compare(0, first, "0") == 0 && controllers.empty();
    const bool v1 = (',' + controllers + ',').find(",memory,") != std::string::npos;
    if (!v1 && !v2) continue;
    const CgroupFiles& files = v1 ? kV1 : kV2;
    const fs::path mount = v1 ? fs::path(sources.cgroup_root) / "memory" : fs::path(sources.cgroup_root);
    const fs::path below = fs::path(line.substr(second + 1)).relative_path();
    fs::path folder = (mount / below).lexically_normal();
    if (below.empty() || !fs::exists(folder / files.limit)) folder = mount.lexically_normal();
    const fs::path top = mount.lexically_normal();
    for (;; folder = folder.parent_path()) {
      take_if_less(available, cgroup_room(folder, files), "in its cgroup, " + (folder / files.limit).string());
      if (folder.string().size() <= top.string().size() || !folder.has_relative_path()) break;
    }
  }
}

}  // namespace

AvailableMemory available_memory(const MemorySources& sources) {
  AvailableMemory available;
  take_if_less(available, 1024.0 * field(sources.meminfo, "MemAvailable:"), "MemAvailable");
  double address_limit = sources.address_space_limit;
  if (address_limit < 0) {
    rlimit limit{};
    if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
      address_limit = static_cast<double>(limit.rlim_cur);
  }
  if (address_limit >= 0) {
    // Address space is taken before it is used: each thread's stack (8 MiB) and malloc arena (up to
    // 64 MiB), one thread per usable CPU.
    constexpr double kReservedPerThread = 72.0 * 1024 * 1024;
    const double taken = std::max(0.0, 1024.0 * field(sources.own_status, "VmSize:"));
    const double reserved = kReservedPerThread * (sources.threads > 0 ? sources.threads : usable_cpus());
    take_if_less(available, std::max(0.0, address_limit - taken - reserved),
                 "under its address-space limit, ulimit -v");
  }
  take_cgroup_room(available, sources);
  return available;
}

}  // namespace perfgen
