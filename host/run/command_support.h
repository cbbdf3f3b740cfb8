// Pieces the subcommands share: loading the experiment, reading results files back, turning
// exceptions into messages and exit codes.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cell_table.h"
#include "errors.h"
#include "experiment.h"

namespace perfgen {

// The experiment file at `path` ("-": standard input), or the embedded default when path is empty,
// with overrides applied.
Experiment load_experiment_or_default(const std::string& path, const std::vector<std::string>& overrides);

// One line "perfgen: warning: …" on err for each of experiment_warnings(e) (legal, but likely not
// what was meant); the exit code does not change. `plan`, `run` and `rank` print them.
void print_experiment_warnings(const Experiment& e, std::ostream& err);

// "line N of the resolved config: stored "…", now "…"", or empty when the texts are equal.
std::string first_difference(const std::string& stored, const std::string& current);

// The output a `summary`, `verify` or `merge` argument names: FILE.h5 itself, or FILE.h5 for its shard
// folder FILE.h5.shards (trailing slashes, a shell's completion of a folder, dropped); names_shards
// says which.
struct NamedOutput {
  std::string output;
  bool names_shards = false;
};
NamedOutput named_output(std::string path);

// `text` as one word of a POSIX shell command line: as it is when the shell would read nothing in it,
// else in single quotes (a quote inside becoming '\''), so that printed commands can be pasted.
std::string shell_word(const std::string& text);

// The resolved experiment stored in a results file; "" if it is not one (or cannot be read).
std::string stored_results_config(const std::string& results_path);

// The recovery table of a finished results file, with a header line.
void print_file_table(const std::string& path, std::ostream& out, std::size_t max_rows = kTableRows);

// Runs body() and maps exceptions to one message on err and the documented exit code.
template <class Body>
int with_exit_codes(std::ostream& err, Body body) {
  auto report = [&](const std::exception& e, int code) {
    err << "perfgen: error: " << e.what() << '\n';
    return code;
  };
  try {
    return body();
  } catch (const InputError& e) {
    return report(e, kExitBadInput);
  } catch (const BackendUnavailable& e) {
    return report(e, kExitBackendUnavailable);
  } catch (const std::exception& e) {
    return report(e, kExitRuntimeError);
  }
}

}  // namespace perfgen
