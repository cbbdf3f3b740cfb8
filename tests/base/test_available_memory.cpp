// available_memory against /proc and /sys files written here: MemAvailable alone, the room under an
// address-space limit (less what the threads reserve), a cgroup v2 and a v1 limit (below the mount, at
// its top as in a container, and on a cgroup above the process's own as Slurm sets it), the page cache
// left out of a cgroup's usage, "no limit" values, and this process's own figures.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "available_memory.h"
#include "temp_dir.h"

namespace perfgen {
namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

// A fake /proc and /sys/fs/cgroup in `dir`: 8 GiB available, 1 GiB of address space taken.
MemorySources fake_machine(const testing::TempDir& dir, const std::string& own_cgroups) {
  MemorySources s;
  s.meminfo = dir.file("meminfo");
  s.own_status = dir.file("status");
  s.own_cgroups = dir.file("cgroup");
  s.cgroup_root = dir.file("sys-fs-cgroup");
  s.address_space_limit = 1e19;  // not this test process's own
  s.threads = 2;
  std::ofstream(s.meminfo) << "MemTotal:       33554432 kB\nMemFree:         1000 kB\nMemAvailable:    8388608 kB\n";
  std::ofstream(s.own_status) << "Name:\tperfgen\nVmPeak:\t 2000000 kB\nVmSize:\t 1048576 kB\n";
  std::ofstream(s.own_cgroups) << own_cgroups;
  return s;
}

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(AvailableMemory, MemAvailableWhenNothingElseLimits) {
  testing::TempDir dir;
  const AvailableMemory m = available_memory(fake_machine(dir, "0::/user.slice\n"));
  EXPECT_EQ(m.bytes, 8 * kGiB);
  EXPECT_EQ(m.limited_by, "MemAvailable");
}

TEST(AvailableMemory, TheRoomUnderTheAddressSpaceLimit) {
  testing::TempDir dir;
  MemorySources s = fake_machine(dir, "");
  s.address_space_limit = 3 * kGiB;  // ulimit -v 3145728, 1 GiB of it taken, 72 MiB for each of 2 threads
  const AvailableMemory m = available_memory(s);
  EXPECT_EQ(m.bytes, 2 * kGiB - 144.0 * 1024 * 1024);
  EXPECT_EQ(m.limited_by, "under its address-space limit, ulimit -v");
  s.address_space_limit = 0.5 * kGiB;  // less than is taken: no room, not a negative amount
  EXPECT_EQ(available_memory(s).bytes, 0);
}

TEST(AvailableMemory, TheRoomInACgroupV2) {
  testing::TempDir dir;
  const MemorySources s = fake_machine(dir, "0::/slurm/job_42\n");
  write(s.cgroup_root + "/slurm/job_42/memory.max", "4294967296\n");
  write(s.cgroup_root + "/slurm/job_42/memory.current", "1073741824\n");
  const AvailableMemory m = available_memory(s);
  EXPECT_EQ(m.bytes, 3 * kGiB);
  EXPECT_EQ(m.limited_by, "in its cgroup, " + s.cgroup_root + "/slurm/job_42/memory.max");
  // Page cache the kernel reclaims first is room: 512 MiB of the usage is inactive files.
  write(s.cgroup_root + "/slurm/job_42/memory.stat", "anon 100\nfile 900\ninactive_file 536870912\nactive_file 7\n");
  EXPECT_EQ(available_memory(s).bytes, 3.5 * kGiB);
  write(s.cgroup_root + "/slurm/job_42/memory.max", "max\n");
  EXPECT_EQ(available_memory(s).limited_by, "MemAvailable");
  // Slurm's limit on the job, the step's own cgroup without one: the job's counts.
  const MemorySources step = fake_machine(dir, "0::/slurm/job_42/step_0\n");
  write(s.cgroup_root + "/slurm/job_42/step_0/memory.max", "max\n");
  write(s.cgroup_root + "/slurm/job_42/memory.max", "2147483648\n");
  const AvailableMemory job = available_memory(step);
  EXPECT_EQ(job.bytes, 1.5 * kGiB);
  EXPECT_EQ(job.limited_by, "in its cgroup, " + s.cgroup_root + "/slurm/job_42/memory.max");
}

TEST(AvailableMemory, TheRoomInACgroupV1BelowTheMountOrAtItsTop) {
  testing::TempDir dir;
  const MemorySources s = fake_machine(dir, "5:devices:/docker/abc\n4:memory:/docker/abc\n0::/\n");
  write(s.cgroup_root + "/memory/memory.limit_in_bytes", "2147483648\n");  // a container: its cgroup is the top
  write(s.cgroup_root + "/memory/memory.usage_in_bytes", "536870912\n");
  AvailableMemory m = available_memory(s);
  EXPECT_EQ(m.bytes, 1.5 * kGiB);
  EXPECT_EQ(m.limited_by, "in its cgroup, " + s.cgroup_root + "/memory/memory.limit_in_bytes");
  // Its own cgroup found below the mount without a limit: the top, above it, still limits it.
  write(s.cgroup_root + "/memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n");  // v1's "no limit"
  m = available_memory(s);
  EXPECT_EQ(m.bytes, 1.5 * kGiB);
  EXPECT_EQ(m.limited_by, "in its cgroup, " + s.cgroup_root + "/memory/memory.limit_in_bytes");
  write(s.cgroup_root + "/memory/memory.limit_in_bytes", "9223372036854771712\n");
  EXPECT_EQ(available_memory(s).limited_by, "MemAvailable");
}

TEST(AvailableMemory, OfThisProcessIsPositiveAndNamed) {
  const AvailableMemory m = available_memory();
  EXPECT_GT(m.bytes, 0);
  EXPECT_FALSE(m.limited_by.empty());
}

}  // namespace
}  // namespace perfgen
