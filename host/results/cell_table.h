// The recovery table printed after a run and by `perfgen summary`, from /cells rows.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <utility>
#include <vector>

#include "columns.h"

namespace perfgen {

// The recovery table: one line per cell, the swept coordinates first; of more than max_rows cells
// (0: no limit), the first and the last max_rows / 2. Fed the /cells rows a piece at a time in cell
// order, it keeps only the rows it will show and which coordinates vary.
inline constexpr std::size_t kTableRows = 40;
class CellTable {
 public:
  explicit CellTable(std::size_t max_rows = kTableRows) : max_rows_(max_rows) {}
  void add(const ColumnGroup& cells);
  void print(std::ostream& out) const;
  std::size_t rows() const { return rows_; }

 private:
  std::size_t max_rows_, rows_ = 0;
  ColumnGroup head_, tail_;  // the first max_rows / 2 rows (all when max_rows is 0), and the last of the rest
  std::vector<std::pair<const char*, bool>> coordinate_varies_;
  std::vector<double> first_coordinates_;
};

}  // namespace perfgen
