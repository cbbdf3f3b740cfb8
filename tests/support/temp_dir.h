// Test helpers that need no part of perfgen: temporary folders, reliability figures, comparisons,
// waiting for a condition.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <thread>

namespace perfgen::testing {

// A reliability figure counted by a test (kills survived, bad inputs tried, trials lost), printed as
// `[reliability] ...` so that docs/RELIABILITY.md's figures come from the tests' own counts:
// `bash scripts/reliability.sh` runs those tests and prints the lines.
inline void report_reliability(const std::string& figure) {
  std::cout << "[reliability] " << figure << std::endl;
  ::testing::Test::RecordProperty("reliability", figure);
}

// A fresh folder under the system temp dir, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("perfgen-" + std::string(info ? info->name() : "test") + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Relative difference that treats two tiny numbers as equal at the absolute floor.
inline double relative_difference(double a, double b, double floor = 1e-300) {
  return std::abs(a - b) / std::max({std::abs(a), std::abs(b), floor});
}

// Whether two doubles are the same bits (also two NaNs of one payload, and not 0 against −0).
inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

// Checks `condition` every 10 ms until it holds or `seconds` have passed; whether it held (a child
// process's files, another thread's progress).
inline bool wait_for(const std::function<bool()>& condition, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace perfgen::testing
