#include "columns.h"

#include <cstring>
#include <stdexcept>

#include "fingerprint.h"

namespace perfgen {

const Column& ColumnGroup::at(const std::string& column) const {
  if (const Column* c = find(column)) return *c;
  throw std::runtime_error("group /" + name + " has no column " + column);
}

void append_rows(ColumnGroup& into, ColumnGroup&& more, const std::string& row_dim) {
  if (into.columns.empty()) {
    into = std::move(more);
    return;
  }
  for (Column& c : into.columns) {
    if (c.dims.front() != row_dim) continue;
    const Column& rows = more.at(c.name);
    if (rows.row_width() != c.row_width())
      throw std::runtime_error("rows of another width for " + into.name + "/" + c.name);
    c.real.insert(c.real.end(), rows.real.begin(), rows.real.end());
    c.integer.insert(c.integer.end(), rows.integer.begin(), rows.integer.end());
    c.shape[0] += rows.rows();
  }
}

void reserve_rows(ColumnGroup& group, const std::string& row_dim, std::size_t rows) {
  for (Column& c : group.columns) {
    if (c.dims.front() != row_dim) continue;
    if (c.is_real())
      c.real.reserve(rows * c.row_width());
    else
      c.integer.reserve(rows * c.row_width());
  }
}

ColumnGroup row_range(const ColumnGroup& group, const std::string& row_dim, std::size_t first, std::size_t end) {
  ColumnGroup part;
  part.name = group.name;
  for (const Column& c : group.columns) {
    Column& rows = part.columns.emplace_back();
    rows = Column{c.name, c.type, c.dims, c.shape, {}, {}, c.long_name, c.units, c.flag_values, c.flag_meanings,
                  c.coordinates};
    if (c.dims.front() != row_dim) {
      rows.real = c.real;
      rows.integer = c.integer;
      continue;
    }
    const std::size_t width = c.row_width();
    rows.shape[0] = end - first;
    if (c.is_real())
      rows.real.assign(c.real.begin() + first * width, c.real.begin() + end * width);
    else
      rows.integer.assign(c.integer.begin() + first * width, c.integer.begin() + end * width);
  }
  return part;
}

std::string attributes_checksum(const FileAttributes& attributes) {
  std::string text;
  for (const auto& [name, value] : attributes.text) text += name + '\0' + value + '\0';
  for (const auto& [name, value] : attributes.numbers) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    text += name + '\0' + std::to_string(bits) + '\0';
  }
  for (const auto& [name, value] : attributes.integers) text += name + '\0' + std::to_string(value) + '\0';
  return fingerprint(text);
}

}  // namespace perfgen
