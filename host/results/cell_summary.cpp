// Cell aggregation: the /cells rows of the trials (the printed table is cell_table.cpp).
#include "cell_summary.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "results_schema.h"

namespace perfgen {
namespace {

constexpr double kNaN = CellStatistics::kNaN;

std::string lower_case(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Appends the trials' columns as cell_statistics takes them; log10 is taken here so every path sorts
// the same numbers.
void append_trial_table(TrialTable& t, const ColumnGroup& trials) {
  auto append = [](auto& to, const auto& from) {
    for (const auto v : from) to.push_back(static_cast<typename std::decay_t<decltype(to)>::value_type>(v));
  };
  append(t.cell, trials.at("cell").integer);
  append(t.recovered, trials.at("recovered").integer);
  append(t.status, trials.at("status").integer);
  append(t.branch, trials.at("branch").integer);
  for (const double gen : trials.at("gen_error").real) t.log10_gen.push_back(std::log10(std::max(gen, 1e-300)));
  append(t.iterations, trials.at("iterations").integer);
}

// Calls f(column of to, the same column of from) for each of the table's six columns.
template <class F>
void for_each_column(TrialTable& to, const TrialTable& from, F f) {
  f(to.cell, from.cell);
  f(to.recovered, from.recovered);
  f(to.log10_gen, from.log10_gen);
  f(to.iterations, from.iterations);
  f(to.status, from.status);
  f(to.branch, from.branch);
}

void erase_rows(TrialTable& t, std::size_t end) {
  for_each_column(t, t,
                  [&](auto& v, const auto&) { v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(end)); });
}

void append_table(TrialTable& to, TrialTable&& from) {
  if (to.rows() == 0) {
    to = std::move(from);
    return;
  }
  for_each_column(to, from, [](auto& a, const auto& b) { a.insert(a.end(), b.begin(), b.end()); });
}

// The rows of t in nondecreasing cell order (a stable sort of their positions).
TrialTable sorted_by_cell(const TrialTable& t) {
  std::vector<std::size_t> order(t.rows());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return t.cell[a] < t.cell[b]; });
  TrialTable sorted;
  for_each_column(sorted, t, [&](auto& to, const auto& from) {
    for (const std::size_t i : order) to.push_back(from[i]);
  });
  return sorted;
}

}  // namespace

std::pair<double, double> wilson_interval(std::int64_t successes, std::int64_t total, double z) {
  if (total == 0) return {kNaN, kNaN};
  const double n = static_cast<double>(total), p = successes / n, z2 = z * z;
  const double center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  // At 0 (or all) successes the end is 0 (or 1) exactly; center ∓ half would leave a rounding residue
  // (5e-20 at 0 of 4000) that a test for == 0 misses.
  return {successes == 0 ? 0.0 : std::max(0.0, center - half), successes == total ? 1.0 : std::min(1.0, center + half)};
}

ColumnGroup cell_rows(const Plan& plan, std::int64_t first_cell, const std::vector<CellStatistics>& stats) {
  using T = ColumnType;
  const Cell* cells = plan.cells().data() + first_cell;
  const std::size_t rows = stats.size();
  const auto planned = static_cast<std::int64_t>(plan.data_seeds().size() * plan.init_seeds().size());
  ColumnGroup g;
  g.name = "cells";
  auto add_real = [&](const char* name, const char* long_name, auto value_of, const char* units = "") {
    add_column(g, name, T::f64, "cell", rows, long_name, units, value_of);
  };
  auto add_count = [&](const std::string& name, const char* long_name, auto value_of, const char* units = "") {
    add_column(g, name.c_str(), T::i64, "cell", rows, long_name, units, value_of);
  };
  add_count("cell", "cell index", [&](auto i) { return first_cell + static_cast<std::int64_t>(i); });
  add_column(g, "n", T::i32, "cell", rows, "sample size", "", [&](auto i) { return cells[i].n; });
  add_column(g, "width", T::i32, "cell", rows, "network width m", "", [&](auto i) { return cells[i].width; });
  add_column(g, "activation", T::i8, "cell", rows, "activation function", "",
             [&](auto i) { return int(cells[i].activation); });
  mark_enum(g, kActivationNames);
  add_real("init_scale", "initialization scale", [&](auto i) { return cells[i].init_scale; });
  add_real("c_tilde", "requested imbalance ratio c~ (NaN: not controlled)", [&](auto i) { return cells[i].c_tilde; });
  add_real(
      "lr", "learning rate", [&](auto i) { return cells[i].lr; }, "time per step");
  add_count(
      "max_iters", "iteration budget", [&](auto i) { return cells[i].max_iters; }, "steps");
  add_count("planned_trials", "trials of the cell in the plan", [&](auto) { return planned; });
  add_count("finished_trials", "trials of the cell finished", [&](auto i) { return stats[i].finished; });
  add_count("recovered", "finished trials that recovered the target", [&](auto i) { return stats[i].recovered; });
  add_real("recovery_rate", "recovered / finished",
           [&](auto i) { return stats[i].finished ? double(stats[i].recovered) / stats[i].finished : kNaN; });
  add_real("recovery_ci_low", "95% Wilson interval, lower end",
           [&](auto i) { return wilson_interval(stats[i].recovered, stats[i].finished).first; });
  add_real("recovery_ci_high", "95% Wilson interval, upper end",
           [&](auto i) { return wilson_interval(stats[i].recovered, stats[i].finished).second; });
  const std::pair<const char*, const char*> quantiles[] = {
      {"log10_gen_error_min", "minimum of log10 gen_error over finished trials"},
      {"log10_gen_error_q25", "first quartile of log10 gen_error over finished trials"},
      {"log10_gen_error_median", "median of log10 gen_error over finished trials"},
      {"log10_gen_error_q75", "third quartile of log10 gen_error over finished trials"},
      {"log10_gen_error_max", "maximum of log10 gen_error over finished trials"}};
  for (std::size_t q = 0; q < 5; ++q)
    add_real(quantiles[q].first, quantiles[q].second, [&, q](auto i) { return stats[i].log10_gen_quantiles[q]; });
  add_real(
      "iterations_median", "median iterations", [&](auto i) { return stats[i].iterations_median; }, "steps");
  add_real(
      "iterations_mean", "mean iterations", [&](auto i) { return stats[i].iterations_mean; }, "steps");
  add_real(
      "iterations_max", "max iterations", [&](auto i) { return stats[i].iterations_max; }, "steps");
  for (int s = 0; s < 4; ++s)
    add_count(std::string("status_") + kTrainStatusNames[s], "finished trials with this status",
              [&, s](auto i) { return stats[i].status[s]; });
  for (int b = 0; b < 3; ++b)  // branch_off_target, branch_q1, branch_q2
    add_count(lower_case(std::string("branch_") + kBranchNames[b]), "finished trials on this branch",
              [&, b](auto i) { return stats[i].branch[b]; });
  // CF: each statistic names the sweep columns that label its rows, so xarray opens them as coordinates.
  std::string sweep;
  for (const char* name : kCellCoordinates) sweep += (sweep.empty() ? "" : " ") + std::string(name);
  for (Column& c : g.columns)
    if (c.name != "cell" &&
        std::find(std::begin(kCellCoordinates), std::end(kCellCoordinates), c.name) == std::end(kCellCoordinates))
      c.coordinates = sweep;
  return g;
}

CellSummaryBuilder::CellSummaryBuilder(const Plan& plan, std::size_t max_rows, Sink sink)
    : plan_(plan), max_rows_(std::max<std::size_t>(1, max_rows)), sink_(std::move(sink)) {}

void CellSummaryBuilder::add(const ColumnGroup& trials) {
  TrialTable table;
  append_trial_table(table, trials);
  add(std::move(table));
}

void CellSummaryBuilder::add(TrialTable&& trials) {
  if (trials.rows() == 0) return;
  const std::int64_t before = waiting_.rows() ? waiting_.cell.back() : next_cell_;
  if (!std::is_sorted(trials.cell.begin(), trials.cell.end()) || trials.cell.front() < before)
    throw std::logic_error("CellSummaryBuilder: trials out of cell order");
  append_table(waiting_, std::move(trials));
  // The last cell seen may have trials still to come.
  if (rows_held() >= max_rows_ && waiting_.cell.front() != waiting_.cell.back()) aggregate(waiting_.cell.back());
}

void CellSummaryBuilder::aggregate(std::int64_t end_cell) {
  std::vector<CellStatistics> stats;
  std::int64_t first_cell = next_cell_;
  std::size_t row = 0;
  for (; next_cell_ < end_cell; ++next_cell_) {
    const std::size_t first_row = row;
    while (row < waiting_.rows() && waiting_.cell[row] == next_cell_) ++row;
    stats.push_back(cell_statistics(waiting_, first_row, row));
    if (stats.size() == max_rows_) {
      sink_(cell_rows(plan_, first_cell, stats));
      first_cell = next_cell_ + 1;
      stats.clear();
    }
  }
  if (!stats.empty()) sink_(cell_rows(plan_, first_cell, stats));
  erase_rows(waiting_, row);
}

void CellSummaryBuilder::finish() {
  aggregate(static_cast<std::int64_t>(plan_.cells().size()));
  if (rows_held() != 0) throw std::logic_error("CellSummaryBuilder: trials of a cell outside the plan");
}

ColumnGroup cell_columns(const Plan& plan, const ColumnGroup& trials) {
  TrialTable table;
  append_trial_table(table, trials);
  ColumnGroup cells;
  CellSummaryBuilder builder(plan, plan.cells().size(),
                             [&](ColumnGroup&& rows) { append_rows(cells, std::move(rows), "cell"); });
  builder.add(sorted_by_cell(table));
  builder.finish();
  return cells;
}

}  // namespace perfgen
