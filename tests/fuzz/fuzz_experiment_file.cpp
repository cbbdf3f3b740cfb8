// libFuzzer target over the experiment-file parser and validation, and over `--set` overrides: any
// input must either load or be rejected with an InputError, both as a whole file and as an override
// (its first line) applied to a file (the rest). Anything else (a crash, another exception, a
// sanitizer report, a hang, memory beyond -rss_limit_mb) is a finding. Built and run by
// tests/fuzz/run_fuzzer.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "errors.h"
#include "experiment_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    perfgen::load_experiment(text, "<fuzz>", {});
  } catch (const perfgen::InputError&) {
  }
  const std::size_t line_end = text.find('\n');
  if (line_end == std::string::npos) return 0;
  try {
    perfgen::load_experiment(text.substr(line_end + 1), "<fuzz>", {text.substr(0, line_end)});
  } catch (const perfgen::InputError&) {
  }
  return 0;
}
