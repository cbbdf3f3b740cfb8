// The recovery table printed after a run and by `perfgen summary`.
#include "cell_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "cell_summary.h"  // kCellCoordinates

namespace perfgen {
namespace {

// As an ostream with setprecision(digits) writes it (%g), without a stream per number: the table of
// 10^6 cells formats each coordinate several times while looking for its digits.
std::string number_with_digits(double v, int digits) {
  if (std::isnan(v)) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.*g", digits, v);
  return text;
}

std::string format_value(const Column& c, std::size_t row, int digits) {
  if (!c.flag_values.empty()) {
    std::istringstream meanings(c.flag_meanings);
    std::string word;
    for (std::int64_t v = 0; meanings >> word; ++v)
      if (v == c.integer[row]) return word;
  }
  if (!c.is_real()) return std::to_string(c.integer[row]);  // n, width, max_iters: every digit, never 1e+06
  return number_with_digits(c.value(row), digits);
}

// The significant digits a coordinate is printed with: 4, or as many more as it takes for the
// distinct values among `values` to print distinctly (a 20 000-point c~ axis has 0.99990 and 0.99995).
int digits_to_tell_apart(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  int digits = 4;
  for (; digits < 17; ++digits) {
    bool distinct = true;
    std::string previous = values.empty() ? "" : number_with_digits(values[0], digits);
    for (std::size_t i = 1; i < values.size() && distinct; ++i) {
      std::string current = number_with_digits(values[i], digits);
      distinct = current != previous;
      previous = std::move(current);
    }
    if (distinct) break;
  }
  return digits;
}

}  // namespace

void CellTable::add(const ColumnGroup& cells) {
  const std::size_t rows = cells.at("cell").rows();
  if (rows == 0) return;
  if (coordinate_varies_.empty())
    for (const char* name : kCellCoordinates) {
      coordinate_varies_.emplace_back(name, false);
      first_coordinates_.push_back(cells.at(name).value(0));
    }
  for (std::size_t k = 0; k < coordinate_varies_.size(); ++k) {
    const Column& c = cells.at(coordinate_varies_[k].first);
    const double first = first_coordinates_[k];
    for (std::size_t i = 0; i < rows && !coordinate_varies_[k].second; ++i)  // NaN (no imbalance control) equals NaN
      coordinate_varies_[k].second = !(c.value(i) == first || (std::isnan(c.value(i)) && std::isnan(first)));
  }
  const std::size_t head_rows = max_rows_ == 0 ? static_cast<std::size_t>(-1) : max_rows_ / 2;
  const std::size_t to_head = rows_ < head_rows ? std::min(rows, head_rows - rows_) : 0;
  if (to_head > 0)
    append_rows(head_, to_head == rows ? ColumnGroup(cells) : row_range(cells, "cell", 0, to_head), "cell");
  if (to_head < rows) {
    const std::size_t keep = max_rows_ - max_rows_ / 2;  // the rows left to show
    // Only the piece's last `keep` rows can be among them: a piece of 10^5 cells is not copied whole.
    append_rows(tail_, row_range(cells, "cell", std::max(to_head, rows > keep ? rows - keep : 0), rows), "cell");
    const std::size_t held = tail_.at("cell").rows();
    if (held > keep) tail_ = row_range(tail_, "cell", held - keep, held);
  }
  rows_ += rows;
}

void CellTable::print(std::ostream& out) const {
  if (rows_ == 0) return;
  std::vector<const char*> coordinates;
  for (const auto& [name, varies] : coordinate_varies_)
    if (varies || std::string(name) == "n") coordinates.push_back(name);
  // The rows shown: the head, then as much of the tail as the limit leaves.
  const std::size_t half = max_rows_ / 2;
  const bool cut = max_rows_ > 0 && rows_ > max_rows_;
  std::vector<std::pair<const ColumnGroup*, std::size_t>> shown;
  if (!head_.columns.empty())
    for (std::size_t i = 0; i < head_.at("cell").rows(); ++i) shown.emplace_back(&head_, i);
  if (!tail_.columns.empty()) {
    const std::size_t held = tail_.at("cell").rows();
    for (std::size_t i = cut ? held - half : 0; i < held; ++i) shown.emplace_back(&tail_, i);
  }
  std::vector<int> digits;
  for (const char* c : coordinates) {
    std::vector<double> values;  // the shown ones; NaN (no imbalance control) prints as "-"
    for (const auto& [cells, i] : shown)
      if (!std::isnan(cells->at(c).value(i))) values.push_back(cells->at(c).value(i));
    digits.push_back(digits_to_tell_apart(std::move(values)));
  }
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header(coordinates.begin(), coordinates.end());
  for (const char* h :
       {"done", "recovered", "rate [95% CI]", "log10 gen (median)", "iters (median)", "conv/max/stat/div", "Q1/Q2/off"})
    header.push_back(h);
  table.push_back(header);
  for (const auto& [cells, i] : shown) {
    std::vector<std::string> row;
    for (std::size_t k = 0; k < coordinates.size(); ++k)
      row.push_back(format_value(cells->at(coordinates[k]), i, digits[k]));
    auto count = [&, cells = cells, i = i](const char* name) { return std::to_string(cells->at(name).integer[i]); };
    auto real = [&, cells = cells, i = i](const char* name) { return cells->at(name).real[i]; };
    auto fixed = [](double v, int digits) {
      if (std::isnan(v)) return std::string("-");
      std::ostringstream s;
      s << std::fixed << std::setprecision(digits) << v;
      return s.str();
    };
    row.push_back(count("finished_trials") + "/" + count("planned_trials"));
    row.push_back(count("recovered"));
    row.push_back(fixed(real("recovery_rate"), 2) + " [" + fixed(real("recovery_ci_low"), 2) + ", " +
                  fixed(real("recovery_ci_high"), 2) + "]");
    row.push_back(fixed(real("log10_gen_error_median"), 1));
    row.push_back(fixed(real("iterations_median"), 0));
    row.push_back(count("status_converged") + "/" + count("status_max_iters") + "/" + count("status_stationary") + "/" +
                  count("status_diverged"));
    row.push_back(count("branch_q1") + "/" + count("branch_q2") + "/" + count("branch_off_target"));
    table.push_back(row);
  }
  std::vector<std::size_t> widths(header.size(), 0);
  for (const auto& row : table)
    for (std::size_t j = 0; j < row.size(); ++j) widths[j] = std::max(widths[j], row[j].size());
  for (std::size_t r = 0; r < table.size(); ++r) {
    if (cut && r == half + 1)
      out << "... " << rows_ - 2 * half << " more cells (all " << rows_
          << " are in /cells of the file; perfgen summary FILE --all prints them)\n";
    for (std::size_t j = 0; j < table[r].size(); ++j)
      out << (j ? "  " : "") << std::setw(static_cast<int>(widths[j])) << table[r][j];
    out << '\n';
    if (r == 0) {
      std::size_t total = 0;
      for (std::size_t w : widths) total += w + 2;
      out << std::string(total - 2, '-') << '\n';
    }
  }
}

}  // namespace perfgen
