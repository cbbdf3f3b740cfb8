#include "columns.h"

#include <stdexcept>

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

}  // namespace perfgen
