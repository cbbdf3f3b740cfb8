// Device enumeration through the CUDA runtime. On a machine without a driver cudaGetDeviceCount
// returns an error rather than zero devices; that error becomes DeviceProbe::problem.
#include <cuda_runtime.h>

#include <string>

#include "device_probe.h"

namespace perfgen::cuda {

DeviceProbe probe_devices() {
  DeviceProbe probe;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    probe.problem = status == cudaErrorInsufficientDriver
                        ? std::string("no NVIDIA driver, or one older than this CUDA runtime")
                        : std::string("CUDA runtime: ") + cudaGetErrorString(status);
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return probe;
  }
  if (count == 0) probe.problem = "no CUDA device found";
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    probe.devices.push_back({i, prop.name, prop.major, prop.minor, prop.totalGlobalMem / 1073741824.0});
  }
  return probe;
}

}  // namespace perfgen::cuda
