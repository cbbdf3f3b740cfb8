// Which GPUs this binary's CUDA code runs on. The build holds native code (SASS) for some
// architectures and PTX for others (CMAKE_CUDA_ARCHITECTURES: "90" is both for sm_90, "89-real" SASS
// only, "90-virtual" PTX only). SASS for X.Y runs on devices X.Z with Z >= Y; PTX for X.Y is compiled
// by the driver for any device of compute capability >= X.Y. Architecture-specific code ("90a", SASS
// or PTX) runs on X.Y alone, family-specific code ("100f") on X.Z with Z >= Y. A device the binary
// cannot run on is not usable: `--backend auto` then takes the CPU and says why, instead of failing at
// the first launch.
#pragma once

#include <string>
#include <vector>

namespace perfgen::cuda {

struct BuiltArchitectures {
  std::vector<int> native;           // SASS: 90 for sm_90
  std::vector<int> ptx;              // PTX: 90 for compute_90
  std::vector<int> arch_specific;    // 90 for sm_90a or compute_90a
  std::vector<int> family_specific;  // 100 for sm_100f or compute_100f
  // No CUDA code at all: a build without the CUDA toolkit.
  bool empty() const { return native.empty() && ptx.empty() && arch_specific.empty() && family_specific.empty(); }
};

// From a CMAKE_CUDA_ARCHITECTURES list ("80-real;86-real;89-real;90", or with commas); throws on a
// malformed entry.
BuiltArchitectures parse_architectures(const std::string& list);
// What this binary was built with.
const BuiltArchitectures& built_architectures();

bool runs_on(const BuiltArchitectures& built, int major, int minor);
// "sm_80, sm_90 and PTX compute_90"
std::string describe(const BuiltArchitectures& built);

}  // namespace perfgen::cuda
