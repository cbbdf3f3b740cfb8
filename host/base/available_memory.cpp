#include "available_memory.h"

#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace perfgen {

namespace {

// The value of `key` (e.g. "MemAvailable:") in a /proc file of "key value kB" lines, in bytes; < 0 if absent.
double kib_field(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name;
    double kib = 0;
    if (fields >> name >> kib && name == key) return kib * 1024.0;
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

// The room in this process's memory cgroup: limit − usage, cgroup v2 (the "0::PATH" line:
// memory.max, memory.current) or v1 (the "N:…memory…:PATH" line: memory.limit_in_bytes,
// memory.usage_in_bytes). PATH is read below the mount, or at its top where a namespace (a container)
// makes the process's cgroup the root.
void take_cgroup_room(AvailableMemory& available, const MemorySources& sources) {
  std::ifstream lines(sources.own_cgroups);
  for (std::string line; std::getline(lines, line);) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1), path = line.substr(second + 1);
    const bool v2 = line.compare(0, first, "0") == 0 && controllers.empty();
    const bool v1 = (',' + controllers + ',').find(",memory,") != std::string::npos;
    if (!v1 && !v2) continue;
    const std::string mount = sources.cgroup_root + (v1 ? "/memory" : "");
    const char* limit_file = v1 ? "/memory.limit_in_bytes" : "/memory.max";
    const char* usage_file = v1 ? "/memory.usage_in_bytes" : "/memory.current";
    for (const std::string& folder : {mount + path, mount}) {
      if (!std::filesystem::exists(folder + limit_file)) continue;
      const double limit = cgroup_number(folder + limit_file);
      if (limit < 0) break;  // no limit
      const double usage = cgroup_number(folder + usage_file);
      take_if_less(available, std::max(0.0, limit - std::max(0.0, usage)), "in its cgroup, " + folder + limit_file);
      break;
    }
  }
}

}  // namespace

AvailableMemory available_memory(const MemorySources& sources) {
  AvailableMemory available;
  take_if_less(available, kib_field(sources.meminfo, "MemAvailable:"), "MemAvailable");
  double address_limit = sources.address_space_limit;
  if (address_limit < 0) {
    rlimit limit{};
    if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
      address_limit = static_cast<double>(limit.rlim_cur);
  }
  if (address_limit >= 0) {
    const double taken = kib_field(sources.own_status, "VmSize:");
    take_if_less(available, std::max(0.0, address_limit - std::max(0.0, taken)),
                 "under its address-space limit, ulimit -v");
  }
  take_cgroup_room(available, sources);
  return available;
}

}  // namespace perfgen
