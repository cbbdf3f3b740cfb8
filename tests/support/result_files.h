// Comparing results for tests (part store): columns and whole /trials groups, bitwise.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "hdf5_io.h"

namespace perfgen::testing {

// Every column of `expected` is in `actual`, bitwise equal (NaN padding included). A file read back
// has the index coordinates (neuron, param) besides.
inline void expect_columns_of(const ColumnGroup& expected, const ColumnGroup& actual) {
  for (const Column& c : expected.columns) {
    SCOPED_TRACE(c.name);
    ASSERT_NE(actual.find(c.name), nullptr);
    const Column& d = actual.at(c.name);
    EXPECT_EQ(c.integer, d.integer);
    ASSERT_EQ(c.real.size(), d.real.size());
    if (!c.real.empty()) EXPECT_EQ(std::memcmp(c.real.data(), d.real.data(), c.real.size() * sizeof(double)), 0);
  }
}

// Every /trials column of two results files is bitwise equal.
inline void expect_same_trials(const std::string& a_path, const std::string& b_path) {
  const ColumnGroup a = read_hdf5_group(a_path, "trials"), b = read_hdf5_group(b_path, "trials");
  EXPECT_EQ(a.columns.size(), b.columns.size());
  expect_columns_of(a, b);
}

}  // namespace perfgen::testing
