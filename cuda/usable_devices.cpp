// Which of the probed devices this binary can use (device_probe.h): plain C++, so that a build without
// the CUDA toolkit (cuda/without_cuda.cpp) decides the same way.
#include <string>
#include <vector>

#include "architectures.h"
#include "device_probe.h"

namespace perfgen::cuda {

std::string unusable_reason(const DeviceInfo& d) {
  const std::string cc = std::to_string(d.compute_major) + "." + std::to_string(d.compute_minor);
  if (d.compute_major < kOldestComputeMajor)
    return d.name + " has compute capability " + cc + "; perfgen needs " + std::to_string(kOldestComputeMajor) +
           ".0 or newer";
  if (!runs_on(built_architectures(), d.compute_major, d.compute_minor))
    return d.name + " (compute capability " + cc + ") cannot run this build's CUDA code (" +
           describe(built_architectures()) +
           "); rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(d.compute_major) +
           std::to_string(d.compute_minor);
  return "";
}

std::vector<DeviceInfo> usable_devices(const DeviceProbe& probe) {
  std::vector<DeviceInfo> usable;
  for (const DeviceInfo& d : probe.devices)
    if (unusable_reason(d).empty()) usable.push_back(d);
  return usable;
}

}  // namespace perfgen::cuda
