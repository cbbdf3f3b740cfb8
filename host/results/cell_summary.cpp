// Cell aggregation and the table printed after a run and by `perfgen summary`.
#include "cell_summary.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>
#include <type_traits>

#include "cell_aggregation.h"
#include "results_schema.h"

namespace perfgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string lower_case(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Appends the trials' columns as aggregate_cells takes them; log10 is taken here so both places sort
// the same numbers.
void append_trial_table(TrialTable& t, const ColumnGroup& trials) {
  auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  append(t.cell, trials.at("cell").integer);
  append(t.recovered, trials.at("recovered").integer);
  append(t.status, trials.at("status").integer);
  append(t.branch, trials.at("branch").integer);
  for (const double gen : trials.at("gen_error").real) t.log10_gen.push_back(std::log10(std::max(gen, 1e-300)));
  for (const std::int64_t it : trials.at("iterations").integer) t.iterations.push_back(static_cast<double>(it));
}

// The rows [first, end) of a trial table, with cell indices shifted down by cell_offset.
TrialTable table_rows(const TrialTable& t, std::size_t first, std::size_t end, std::int64_t cell_offset) {
  auto rows = [&](const auto& v) { return std::decay_t<decltype(v)>(v.begin() + first, v.begin() + end); };
  TrialTable part{rows(t.cell),       rows(t.recovered), rows(t.log10_gen),
                        rows(t.iterations), rows(t.status),    rows(t.branch)};
  for (std::int64_t& c : part.cell) c -= cell_offset;
  return part;
}

void erase_rows(TrialTable& t, std::size_t end) {
  auto erase = [&](auto& v) { v.erase(v.begin(), v.begin() + end); };
  erase(t.cell);
  erase(t.recovered);
  erase(t.log10_gen);
  erase(t.iterations);
  erase(t.status);
  erase(t.branch);
}

// What /cells holds of one cell's finished trials.
struct CellStatistics {
  std::int64_t finished = 0, recovered = 0;
  std::array<std::int64_t, 4> status{};
  std::array<std::int64_t, 3> branch{};
  std::array<double, 5> log10_gen_quantiles{kNaN, kNaN, kNaN, kNaN, kNaN};  // min, q25, median, q75, max
  double iterations_median = kNaN, iterations_mean = kNaN, iterations_max = kNaN;
};

constexpr double kQuantiles[] = {0.0, 0.25, 0.5, 0.75, 1.0};

std::string format_value(const Column& c, std::size_t row) {
  std::ostringstream out;
  if (!c.flag_values.empty()) {
    std::istringstream meanings(c.flag_meanings);
    std::string word;
    for (std::int64_t v = 0; meanings >> word; ++v)
      if (v == c.integer[row]) return word;
  }
  const double v = c.value(row);
  if (std::isnan(v)) return "-";
  out << std::setprecision(4) << v;
  return out.str();
}

}  // namespace

std::pair<double, double> wilson_interval(std::int64_t successes, std::int64_t total, double z) {
  if (total == 0) return {kNaN, kNaN};
  const double n = static_cast<double>(total), p = successes / n, z2 = z * z;
  const double center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double sorted_quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const std::size_t upper = std::min(lower + 1, sorted.size() - 1);
  return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
}

struct CellSummaryBuilder::State {
  TrialTable waiting;  // trials of cells not yet aggregated, in nondecreasing cell order
  std::vector<CellStatistics> cells;
};

CellSummaryBuilder::CellSummaryBuilder(const Plan& plan, std::size_t max_rows)
    : plan_(plan), max_rows_(max_rows), state_(std::make_unique<State>()) {
  state_->cells.resize(plan.cells().size());
}

CellSummaryBuilder::~CellSummaryBuilder() = default;

std::size_t CellSummaryBuilder::rows_held() const { return state_->waiting.cell.size(); }

void CellSummaryBuilder::add(const ColumnGroup& trials) {
  append_trial_table(state_->waiting, trials);
  const std::vector<std::int64_t>& cell = state_->waiting.cell;
  if (rows_held() >= max_rows_ && cell.front() != cell.back()) aggregate(false);
}

// Aggregates the waiting trials of every cell (all_cells) or of every cell before the last one seen,
// which may have trials still to come.
void CellSummaryBuilder::aggregate(bool all_cells) {
  TrialTable& waiting = state_->waiting;
  if (waiting.cell.empty()) return;
  // All at once the rows may come in any order (aggregate_cells sorts them); else they are in cell order.
  std::int64_t first_cell = waiting.cell.front(), end_cell = waiting.cell.back();
  if (all_cells) {
    const auto [lowest, highest] = std::minmax_element(waiting.cell.begin(), waiting.cell.end());
    first_cell = *lowest;
    end_cell = *highest + 1;
  }
  const auto end = all_cells
                       ? waiting.cell.size()
                       : static_cast<std::size_t>(std::lower_bound(waiting.cell.begin(), waiting.cell.end(), end_cell) -
                                                  waiting.cell.begin());
  if (end == 0) return;
  const TrialTable table = table_rows(waiting, 0, end, first_cell);
  const CellAggregates a = aggregate_cells(table, static_cast<int>(end_cell - first_cell));
  for (std::int64_t local = 0; local < end_cell - first_cell; ++local) {
    const std::vector<double> log10_gen(a.log10_gen.begin() + a.offset[local],
                                        a.log10_gen.begin() + a.offset[local + 1]);
    const std::vector<double> iterations(a.iterations.begin() + a.offset[local],
                                         a.iterations.begin() + a.offset[local + 1]);
    CellStatistics& s = state_->cells[first_cell + local];
    s.finished = a.finished[local];
    s.recovered = a.recovered[local];
    s.status = a.status[local];
    s.branch = a.branch[local];
    for (std::size_t q = 0; q < s.log10_gen_quantiles.size(); ++q)
      s.log10_gen_quantiles[q] = sorted_quantile(log10_gen, kQuantiles[q]);
    s.iterations_median = sorted_quantile(iterations, 0.5);
    if (!iterations.empty()) {
      double sum = 0;
      for (double v : iterations) sum += v;
      s.iterations_mean = sum / iterations.size();
      s.iterations_max = iterations.back();
    }
  }
  erase_rows(waiting, end);
}

ColumnGroup CellSummaryBuilder::finish() {
  aggregate(true);
  using T = ColumnType;
  const auto& cells = plan_.cells();
  const std::vector<CellStatistics>& stats = state_->cells;
  const std::size_t rows = cells.size();
  const auto planned = static_cast<std::int64_t>(plan_.data_seeds().size() * plan_.init_seeds().size());
  ColumnGroup g;
  g.name = "cells";
  auto add_real = [&](const char* name, const char* long_name, auto value_of) {
    add_column(g, name, T::f64, "cell", rows, long_name, "", value_of);
  };
  auto add_count = [&](const std::string& name, const char* long_name, auto value_of) {
    add_column(g, name.c_str(), T::i64, "cell", rows, long_name, "", value_of);
  };
  add_count("cell", "cell index", [](auto i) { return i; });
  add_column(g, "n", T::i32, "cell", rows, "sample size", "", [&](auto i) { return cells[i].n; });
  add_column(g, "width", T::i32, "cell", rows, "network width m", "", [&](auto i) { return cells[i].width; });
  add_column(g, "activation", T::i8, "cell", rows, "activation function", "",
             [&](auto i) { return int(cells[i].activation); });
  mark_enum(g, kActivationNames);
  add_real("init_scale", "initialization scale", [&](auto i) { return cells[i].init_scale; });
  add_real("c_tilde", "requested imbalance ratio c~ (NaN: not controlled)", [&](auto i) { return cells[i].c_tilde; });
  add_real("lr", "learning rate", [&](auto i) { return cells[i].lr; });
  add_count("max_iters", "iteration budget", [&](auto i) { return cells[i].max_iters; });
  add_count("planned_trials", "trials of the cell in the plan", [&](auto) { return planned; });
  add_count("finished_trials", "trials of the cell finished", [&](auto i) { return stats[i].finished; });
  add_count("recovered", "finished trials that recovered the target", [&](auto i) { return stats[i].recovered; });
  add_real("recovery_rate", "recovered / finished",
           [&](auto i) { return stats[i].finished ? double(stats[i].recovered) / stats[i].finished : kNaN; });
  add_real("recovery_ci_low", "95% Wilson interval, lower end",
           [&](auto i) { return wilson_interval(stats[i].recovered, stats[i].finished).first; });
  add_real("recovery_ci_high", "95% Wilson interval, upper end",
           [&](auto i) { return wilson_interval(stats[i].recovered, stats[i].finished).second; });
  const char* quantile_names[] = {"log10_gen_error_min", "log10_gen_error_q25", "log10_gen_error_median",
                                  "log10_gen_error_q75", "log10_gen_error_max"};
  for (std::size_t q = 0; q < 5; ++q)
    add_real(quantile_names[q], "quantile of log10 gen_error over finished trials",
             [&, q](auto i) { return stats[i].log10_gen_quantiles[q]; });
  add_real("iterations_median", "median iterations", [&](auto i) { return stats[i].iterations_median; });
  add_real("iterations_mean", "mean iterations", [&](auto i) { return stats[i].iterations_mean; });
  add_real("iterations_max", "max iterations", [&](auto i) { return stats[i].iterations_max; });
  for (int s = 0; s < 4; ++s)
    add_count(std::string("status_") + kTrainStatusNames[s], "finished trials with this status",
              [&, s](auto i) { return stats[i].status[s]; });
  for (int b = 0; b < 3; ++b)  // branch_off_target, branch_q1, branch_q2
    add_count(lower_case(std::string("branch_") + kBranchNames[b]), "finished trials on this branch",
              [&, b](auto i) { return stats[i].branch[b]; });
  return g;
}

ColumnGroup cell_columns(const Plan& plan, const ColumnGroup& trials) {
  CellSummaryBuilder builder(plan, static_cast<std::size_t>(-1));
  builder.add(trials);
  return builder.finish();
}

void print_cell_table(std::ostream& out, const ColumnGroup& cells, std::size_t max_rows) {
  std::vector<const Column*> coordinates;
  for (const char* name : {"n", "width", "activation", "init_scale", "c_tilde", "lr", "max_iters"}) {
    const Column& c = cells.at(name);
    bool varies = false;  // NaN (no imbalance control) equals NaN here
    for (std::size_t i = 1; i < c.rows() && !varies; ++i)
      varies = !(c.value(i) == c.value(0) || (std::isnan(c.value(i)) && std::isnan(c.value(0))));
    if (varies || std::string(name) == "n") coordinates.push_back(&c);
  }
  const Column& done = cells.at("finished_trials");
  // The first and last max_rows / 2 cells when there are more than max_rows.
  const std::size_t rows = done.rows(), half = max_rows / 2;
  const bool cut = max_rows > 0 && rows > max_rows;
  std::vector<std::size_t> shown;
  for (std::size_t i = 0; i < rows; ++i)
    if (!cut || i < half || i >= rows - half) shown.push_back(i);
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header;
  for (const Column* c : coordinates) header.push_back(c->name);
  for (const char* h :
       {"done", "recovered", "rate [95% CI]", "log10 gen (median)", "iters (median)", "conv/max/stat/div", "Q1/Q2/off"})
    header.push_back(h);
  table.push_back(header);
  for (const std::size_t i : shown) {
    std::vector<std::string> row;
    for (const Column* c : coordinates) row.push_back(format_value(*c, i));
    auto count = [&](const char* name) { return std::to_string(cells.at(name).integer[i]); };
    auto fixed = [](double v, int digits) {
      if (std::isnan(v)) return std::string("-");
      std::ostringstream s;
      s << std::fixed << std::setprecision(digits) << v;
      return s.str();
    };
    row.push_back(count("finished_trials") + "/" + count("planned_trials"));
    row.push_back(count("recovered"));
    row.push_back(fixed(cells.at("recovery_rate").real[i], 2) + " [" + fixed(cells.at("recovery_ci_low").real[i], 2) +
                  ", " + fixed(cells.at("recovery_ci_high").real[i], 2) + "]");
    row.push_back(fixed(cells.at("log10_gen_error_median").real[i], 1));
    row.push_back(fixed(cells.at("iterations_median").real[i], 0));
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
      out << "... " << rows - 2 * half << " more cells (all " << rows
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
