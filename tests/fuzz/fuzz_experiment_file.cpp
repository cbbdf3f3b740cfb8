// libFuzzer target over the experiment-file parser and validation: any input must either load or be
// rejected with an InputError. Anything else (a crash, another exception, a sanitizer report, a
// hang, memory beyond -rss_limit_mb) is a finding. Built and run by tests/fuzz/run_fuzzer.sh.
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
  return 0;
}
