// The CUDA entry points of a build without the CUDA toolkit (PERFGEN_CUDA=OFF, CMakeLists.txt): the
// probe finds no device and says why, so `--backend auto` trains on the CPU, `--backend cuda` is refused
// (exit 3) and `perfgen bench` leaves the GPU rows out; nothing below the probe is reached, and each of
// those entry points says so if it ever is.
#include <stdexcept>

#include "cuda_backend.h"
#include "device_probe.h"
#include "fp64_peak.h"
#include "plain_peer.h"

namespace perfgen::cuda {
namespace {

[[noreturn]] void refuse(const char* what) {
  throw std::logic_error(std::string(what) + ": this perfgen was built without the CUDA toolkit");
}

}  // namespace

DeviceProbe probe_devices() {
  return {{}, "this perfgen was built without the CUDA toolkit (rebuild with nvcc installed for the GPU backend)"};
}

CudaBackend::CudaBackend(int device, CudaOptions options) : device_(device), options_(options) {
  refuse("the CUDA backend");
}
CudaBackend::~CudaBackend() = default;
std::string CudaBackend::device() const { return description_; }
void CudaBackend::train(const std::vector<MaterializedTrial>&, const EvaluationContext&, std::vector<TrialOutcome>&,
                        TrainControl&) {
  refuse("CudaBackend::train");
}

double measured_fp64_peak(int) { refuse("the GPU's FP64 peak"); }

PlainPeerRun run_plain_peer(int, const std::vector<double>&, const std::vector<double>&, const std::vector<double>&,
                            int, double) {
  refuse("the plain kernel peer");
}

}  // namespace perfgen::cuda
