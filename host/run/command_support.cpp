#include "command_support.h"

#include <algorithm>
#include <sstream>

#include "cell_table.h"
#include "experiment_file.h"
#include "experiment_validation.h"
#include "hdf5_io.h"

namespace perfgen {
namespace {

constexpr std::size_t kCellPieceRows = 1 << 16;  // ~15 MiB of /cells (29 columns) read at a time by the summary

}  // namespace

Experiment load_experiment_or_default(const std::string& path, const std::vector<std::string>& overrides) {
  if (path.empty()) return load_experiment(default_experiment_text(), "<default experiment>", overrides);
  return load_experiment_file(path, overrides);
}

void print_experiment_warnings(const Experiment& e, std::ostream& err) {
  for (const std::string& warning : experiment_warnings(e)) err << "perfgen: warning: " << warning << '\n';
}

std::string first_difference(const std::string& stored, const std::string& current) {
  std::istringstream a(stored), b(current);
  std::string line_a, line_b;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) return "";
    if (!more_a || !more_b || line_a != line_b)
      return "line " + std::to_string(line) + " of the resolved config: stored \"" + (more_a ? line_a : "") +
             "\", now \"" + (more_b ? line_b : "") + "\"";
  }
}

NamedOutput named_output(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string suffix = ".shards";
  const bool names_shards =
      path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  return {names_shards ? path.substr(0, path.size() - suffix.size()) : path, names_shards};
}

std::string shell_word(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789_-./:=,+@%") == std::string::npos;
  if (plain) return text;
  std::string quoted = "'";
  for (const char ch : text) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return quoted + "'";
}

std::string stored_results_config(const std::string& results_path) {
  try {
    if (const std::optional<std::string> config = read_hdf5_attributes(results_path).text_of("config")) return *config;
  } catch (const std::exception&) {
  }
  return "";
}

void print_file_table(const std::string& path, std::ostream& out, std::size_t max_rows) {
  const FileAttributes attributes = read_hdf5_attributes(path);
  const std::string name = attributes.text_of("name").value_or("?");
  const std::string backend = attributes.text_of("backend").value_or("?");
  // Said in the heading: the iterations column then counts the integrator's steps.
  const bool flow = attributes.text_of("train_method") == std::optional<std::string>("flow");
  // /cells a piece at a time: the table keeps only the rows it shows.
  const std::size_t cells = hdf5_rows(path, "cells/cell");
  CellTable table(max_rows);
  for (std::size_t first = 0; first < cells; first += kCellPieceRows)
    table.add(read_hdf5_rows(path, "cells", "cell", first, std::min(kCellPieceRows, cells - first)));
  out << "results " << path << " (" << name << ", backend " << backend << (flow ? ", gradient flow" : "") << ")\n";
  table.print(out);
}

}  // namespace perfgen
