// Cell aggregation and the table printed after a run and by `perfgen summary`.
#include "cell_summary.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>

#include "cell_aggregation.h"
#include "results_schema.h"

namespace perfgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The trials' columns as aggregate_cells takes them; log10 is taken here so both places sort the
// same numbers.
cuda::TrialTable trial_table(const ColumnGroup& trials) {
  cuda::TrialTable t;
  t.cell = trials.at("cell").integer;
  t.recovered = trials.at("recovered").integer;
  t.status = trials.at("status").integer;
  t.branch = trials.at("branch").integer;
  for (const double gen : trials.at("gen_error").real) t.log10_gen.push_back(std::log10(std::max(gen, 1e-300)));
  for (const std::int64_t it : trials.at("iterations").integer) t.iterations.push_back(static_cast<double>(it));
  return t;
}

// Each cell's sorted values, split once out of the aggregate's flat array.
std::vector<std::vector<double>> per_cell(const std::vector<double>& sorted, const cuda::CellAggregates& a) {
  std::vector<std::vector<double>> cells(a.finished.size());
  for (std::size_t c = 0; c < cells.size(); ++c)
    cells[c].assign(sorted.begin() + a.offset[c], sorted.begin() + a.offset[c + 1]);
  return cells;
}

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

ColumnGroup cell_columns(const Plan& plan, const ColumnGroup& trials) {
  using T = ColumnType;
  const auto& cells = plan.cells();
  const cuda::TrialTable table = trial_table(trials);
  const cuda::CellAggregates stats =
      cuda::aggregate_cells(table, static_cast<int>(cells.size()), cuda::default_aggregation_place(table.cell.size()));
  const std::vector<std::vector<double>> log10_gen = per_cell(stats.log10_gen, stats);
  const std::vector<std::vector<double>> iterations = per_cell(stats.iterations, stats);
  const std::size_t rows = cells.size();
  const auto planned = static_cast<std::int64_t>(plan.data_seeds().size() * plan.init_seeds().size());
  ColumnGroup g;
  g.name = "cells";
  auto add_real = [&](const char* name, const char* long_name, auto value_of) {
    add_column(g, name, T::f64, "cell", rows, long_name, "", value_of);
  };
  auto add_count = [&](const char* name, const char* long_name, auto value_of) {
    add_column(g, name, T::i64, "cell", rows, long_name, "", value_of);
  };
  add_count("cell", "cell index", [](auto i) { return i; });
  add_column(g, "n", T::i32, "cell", rows, "sample size", "", [&](auto i) { return cells[i].n; });
  add_column(g, "width", T::i32, "cell", rows, "network width m", "", [&](auto i) { return cells[i].width; });
  add_column(g, "activation", T::i8, "cell", rows, "activation function", "",
             [&](auto i) { return int(cells[i].activation); });
  mark_enum(g, kActivationMeanings, {0, 1});
  add_real("init_scale", "initialization scale", [&](auto i) { return cells[i].init_scale; });
  add_real("c_tilde", "requested imbalance ratio c~ (NaN: not controlled)", [&](auto i) { return cells[i].c_tilde; });
  add_real("lr", "learning rate", [&](auto i) { return cells[i].lr; });
  add_count("max_iters", "iteration budget", [&](auto i) { return cells[i].max_iters; });
  add_count("planned_trials", "trials of the cell in the plan", [&](auto) { return planned; });
  add_count("finished_trials", "trials of the cell finished", [&](auto i) { return stats.finished[i]; });
  add_count("recovered", "finished trials that recovered the target", [&](auto i) { return stats.recovered[i]; });
  add_real("recovery_rate", "recovered / finished",
           [&](auto i) { return stats.finished[i] ? double(stats.recovered[i]) / stats.finished[i] : kNaN; });
  add_real("recovery_ci_low", "95% Wilson interval, lower end",
           [&](auto i) { return wilson_interval(stats.recovered[i], stats.finished[i]).first; });
  add_real("recovery_ci_high", "95% Wilson interval, upper end",
           [&](auto i) { return wilson_interval(stats.recovered[i], stats.finished[i]).second; });
  const std::pair<const char*, double> quantiles[] = {{"log10_gen_error_min", 0.0},
                                                      {"log10_gen_error_q25", 0.25},
                                                      {"log10_gen_error_median", 0.5},
                                                      {"log10_gen_error_q75", 0.75},
                                                      {"log10_gen_error_max", 1.0}};
  for (const auto& [name, q] : quantiles)
    add_real(name, "quantile of log10 gen_error over finished trials",
             [&, q = q](auto i) { return sorted_quantile(log10_gen[i], q); });
  add_real("iterations_median", "median iterations", [&](auto i) { return sorted_quantile(iterations[i], 0.5); });
  add_real("iterations_mean", "mean iterations", [&](auto i) {
    const std::vector<double>& it = iterations[i];
    double sum = 0;
    for (double v : it) sum += v;
    return it.empty() ? kNaN : sum / it.size();
  });
  add_real("iterations_max", "max iterations",
           [&](auto i) { return iterations[i].empty() ? kNaN : iterations[i].back(); });
  const char* status_names[] = {"status_converged", "status_max_iters", "status_stationary", "status_diverged"};
  for (int s = 0; s < 4; ++s)
    add_count(status_names[s], "finished trials with this status", [&, s](auto i) { return stats.status[i][s]; });
  const char* branch_names[] = {"branch_off_target", "branch_q1", "branch_q2"};
  for (int b = 0; b < 3; ++b)
    add_count(branch_names[b], "finished trials on this branch", [&, b](auto i) { return stats.branch[i][b]; });
  return g;
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
