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

// A device is usable with compute capability 6.0 or newer (full-rate FP64 atomics, Pascal on).
std::vector<DeviceInfo> usable_devices(const DeviceProbe& probe);
inline std::vector<DeviceInfo> usable_devices() { return usable_devices(probe_devices()); }

}  // namespace perfgen::cuda
