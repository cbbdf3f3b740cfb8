// Errors the CLI turns into a message and a documented exit code (docs/CLI.md, "Exit codes").
#pragma once

#include <stdexcept>
#include <string>

namespace perfgen {

enum ExitCode : int {
  kExitOk = 0,
  kExitRuntimeError = 1,        // I/O failure or other error while working
  kExitBadInput = 2,            // bad experiment file, bad option, output path problems
  kExitBackendUnavailable = 3,  // --backend cuda asked for, no usable GPU
  kExitInterrupted = 75,        // SIGINT/SIGTERM: finished batches kept, --resume continues (EX_TEMPFAIL)
};

// Bad input, found before any work starts. `key` names the setting, e.g. "train.lr".
class InputError : public std::runtime_error {
 public:
  InputError(const std::string& key, const std::string& problem)
      : std::runtime_error(key.empty() ? problem : key + ": " + problem), key_(key) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

class BackendUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace perfgen
