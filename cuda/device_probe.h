// What CUDA devices this machine offers, without failing when there is no driver or GPU.
#pragma once

#include <string>
#include <vector>

namespace perfgen::cuda {

struct DeviceInfo {
  int index;
  std::string name;
  int compute_major;
  int compute_minor;
  double memory_gib;
};

struct DeviceProbe {
  std::vector<DeviceInfo> devices;
  std::string problem;  // why there are none (no driver, no device), empty otherwise
};

DeviceProbe probe_devices();

// The oldest GPU generation perfgen supports (Pascal, 6.0): a floor of policy, not of the code's
// needs; nothing older was ever tested.
constexpr int kOldestComputeMajor = 6;

// Why the device cannot run this binary's kernels ("" when it can): compute capability below
// kOldestComputeMajor.0, or no code in the binary that runs on it (architectures.h).
std::string unusable_reason(const DeviceInfo& device);
std::vector<DeviceInfo> usable_devices(const DeviceProbe& probe);

}  // namespace perfgen::cuda
