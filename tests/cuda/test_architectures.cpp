// Which devices a build's CUDA code runs on, decided from what the binary holds (no GPU needed).
#include <gtest/gtest.h>

#include <stdexcept>

#include "architectures.h"
#include "device_probe.h"

namespace perfgen::cuda {
namespace {

TEST(Architectures, ParsesCMakeListsOfNativeCodeAndPtx) {
  const BuiltArchitectures built = parse_architectures("80-real;86-real,89-real;90");
  EXPECT_EQ(built.native, (std::vector<int>{80, 86, 89, 90}));
  EXPECT_EQ(built.ptx, (std::vector<int>{90}));
  EXPECT_EQ(parse_architectures("90-virtual").native, std::vector<int>{});
  EXPECT_EQ(parse_architectures("90a-real").arch_specific, std::vector<int>{90});
  EXPECT_EQ(parse_architectures("100f").family_specific, std::vector<int>{100});
  EXPECT_EQ(describe(parse_architectures("90a;100f")), "sm_90a, sm_100f");
  EXPECT_THROW(parse_architectures("90x"), std::invalid_argument);
  EXPECT_EQ(describe(built), "sm_80, sm_86, sm_89, sm_90 and PTX compute_90");
  EXPECT_THROW(parse_architectures("native-ish"), std::invalid_argument);
  EXPECT_THROW(parse_architectures("90-fat"), std::invalid_argument);
}

// Native code runs on the same major version from its minor up; PTX on every later device.
TEST(Architectures, NativeCodeWithinItsMajorVersionPtxOnEveryLaterDevice) {
  const BuiltArchitectures h200_only = parse_architectures("90");
  EXPECT_TRUE(runs_on(h200_only, 9, 0));
  EXPECT_TRUE(runs_on(h200_only, 10, 0));  // by PTX
  EXPECT_TRUE(runs_on(h200_only, 12, 0));  // by PTX
  EXPECT_FALSE(runs_on(h200_only, 8, 9));  // an RTX 4090: what `auto` used to pick and fail on
  EXPECT_FALSE(runs_on(h200_only, 8, 0));  // an A100
  const BuiltArchitectures workstations = parse_architectures("80-real;86-real;89-real;90");
  for (const auto& [major, minor] : {std::pair{8, 0}, {8, 6}, {8, 7}, {8, 9}, {9, 0}, {12, 0}})
    EXPECT_TRUE(runs_on(workstations, major, minor)) << major << "." << minor;
  EXPECT_FALSE(runs_on(workstations, 7, 5));
  EXPECT_FALSE(runs_on(parse_architectures("86-real"), 8, 0));  // native code does not run below its minor
  EXPECT_FALSE(runs_on(parse_architectures("86-real"), 9, 0));  // nor on another major version
}

// Architecture-specific code runs on its own compute capability alone, SASS or PTX; family-specific
// code on its major version from its minor up.
TEST(Architectures, ArchitectureSpecificCodeOnItsOwnDeviceFamilyCodeWithinItsMajorVersion) {
  const BuiltArchitectures hopper_specific = parse_architectures("90a");
  EXPECT_TRUE(runs_on(hopper_specific, 9, 0));
  EXPECT_FALSE(runs_on(hopper_specific, 10, 0));  // its PTX is not compiled for a later device
  const BuiltArchitectures blackwell_family = parse_architectures("100f");
  EXPECT_TRUE(runs_on(blackwell_family, 10, 0));
  EXPECT_TRUE(runs_on(blackwell_family, 10, 3));
  EXPECT_FALSE(runs_on(blackwell_family, 12, 0));
  EXPECT_FALSE(runs_on(blackwell_family, 9, 0));
}

// The rule that decides "usable" follows the list this binary was built with.
TEST(Architectures, UsableDevicesFollowTheBuiltList) {
  const BuiltArchitectures& built = built_architectures();
#ifndef PERFGEN_BUILT_WITH_CUDA
  if (built.empty()) GTEST_SKIP() << "built without the CUDA toolkit: no CUDA code";
#endif
  ASSERT_FALSE(built.native.empty() && built.ptx.empty()) << "the build passed no architectures";
  const int newest = built.native.empty() ? built.ptx.back() : built.native.back();
  const DeviceInfo matching{0, "matching GPU", newest / 10, newest % 10, 80.0};
  const DeviceInfo old_gpu{1, "Kepler", 3, 5, 4.0};
  const DeviceInfo below{2, "older GPU", 6, 0, 16.0};
  const DeviceProbe probe{{matching, old_gpu, below}, ""};
  const std::vector<DeviceInfo> usable = usable_devices(probe);
  ASSERT_FALSE(usable.empty());
  EXPECT_EQ(usable.front().name, "matching GPU");
  EXPECT_NE(unusable_reason(old_gpu).find("6.0 or newer"), std::string::npos);
  if (!runs_on(built, 6, 0)) {
    EXPECT_NE(unusable_reason(below).find("-DCMAKE_CUDA_ARCHITECTURES=60"), std::string::npos)
        << unusable_reason(below);
    EXPECT_EQ(usable.size(), 1u);
  }
}

}  // namespace
}  // namespace perfgen::cuda
