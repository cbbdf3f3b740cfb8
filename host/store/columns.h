// A column store: what goes into an HDF5 group, one 1-D or 2-D dataset per column.
// The store knows nothing of training; host/results/results_schema.cpp maps outcomes onto columns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace perfgen {

enum class ColumnType : std::int8_t { f64, i64, i32, i8 };

struct Column {
  std::string name;
  ColumnType type = ColumnType::f64;
  std::vector<std::string> dims;  // dimension names, first one is the row dimension
  std::vector<std::size_t> shape;
  std::vector<double> real;           // data of f64 columns
  std::vector<std::int64_t> integer;  // data of integer columns, whatever their width on disk
  std::string long_name;
  std::string units;
  std::vector<std::int64_t> flag_values;  // enums: CF flag_values / flag_meanings
  std::string flag_meanings;
  std::string coordinates;  // CF: the columns that label this one's rows (xarray opens them as coordinates)

  bool is_real() const { return type == ColumnType::f64; }
  std::size_t rows() const { return shape.empty() ? 0 : shape[0]; }
  std::size_t row_width() const {  // numbers per row: the product of the trailing dimensions
    std::size_t width = 1;
    for (std::size_t axis = 1; axis < shape.size(); ++axis) width *= shape[axis];
    return width;
  }
  std::size_t size() const { return rows() * row_width(); }
  double value(std::size_t i) const { return is_real() ? real[i] : static_cast<double>(integer[i]); }
};

struct ColumnGroup {
  std::string name;  // "trials", "cells"
  std::vector<Column> columns;

  const Column* find(const std::string& column) const {
    for (const Column& c : columns)
      if (c.name == column) return &c;
    return nullptr;
  }
  const Column& at(const std::string& column) const;
};

// Appends the rows of `more` (the same columns) to `into` along row_dim; other columns (index
// coordinates such as neuron or param) are the same in both and kept once. An empty `into` takes `more`.
void append_rows(ColumnGroup& into, ColumnGroup&& more, const std::string& row_dim);

// Capacity for `rows` rows in each column over row_dim, for a group that grows by append_rows to a
// size known in advance: no reallocation on the way (growing by doubling holds the old and the new
// block at once, and leaves freed blocks behind that malloc keeps).
void reserve_rows(ColumnGroup& group, const std::string& row_dim, std::size_t rows);

// Rows [first, end) of the columns over row_dim; the other columns whole.
ColumnGroup row_range(const ColumnGroup& group, const std::string& row_dim, std::size_t first, std::size_t end);

// Root attributes of a results file or shard.
struct FileAttributes {
  std::vector<std::pair<std::string, std::string>> text;
  std::vector<std::pair<std::string, double>> numbers;
  std::vector<std::pair<std::string, std::int64_t>> integers;  // stored as int32

  // Values, not pointers into the attributes: read_hdf5_attributes(path).text_of(key) is safe to keep
  // (a pointer into that temporary dangled once).
  std::optional<std::string> text_of(const std::string& key) const {
    for (const auto& [k, v] : text)
      if (k == key) return v;
    return std::nullopt;
  }
  std::optional<double> number_of(const std::string& key) const {
    for (const auto& [k, v] : numbers)
      if (k == key) return v;
    return std::nullopt;
  }
};

// HDF5 keeps attributes without a checksum (a damaged byte in its heap silently changed a run's name):
// the writer adds this one after the others, the reader recomputes it over the attributes before it
// (those a user adds later are left out) and refuses a file where the two differ.
inline constexpr const char* kAttributesChecksum = "attributes_checksum";
// FNV-1a of every attribute's name and value, the text first, then the numbers (their bits), then the
// integers, each kind in its order.
std::string attributes_checksum(const FileAttributes& attributes);

}  // namespace perfgen
