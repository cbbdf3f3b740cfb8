// What `perfgen run` does with its output before any work, from what exists on disk and what was
// asked: a decision table (written out as kTable in tests/run/test_output_protocol.cpp), kept apart
// from the file system so that every case is tested.
#pragma once

#include <functional>
#include <string>

namespace perfgen {

// What exists. The differences are asked only when the protocol needs them (each reads a file):
// the first line where the stored config differs from the experiment's, "" when they are the same.
struct OutputFacts {
  bool output_exists = false;     // the finished file FILE.h5
  bool store_exists = false;      // FILE.h5.shards/ of an unfinished run
  bool store_has_config = false;  // its config.toml (written last when a store is created)
  std::function<std::string()> store_difference;
  std::function<std::string()> output_difference;  // asked only of a perfgen results file
  // Why the existing output is not a perfgen results file (not HDF5, damaged); "" when it is one.
  std::function<std::string()> output_foreign;
  // An entry of the store's folder that perfgen does not write ("" when there is none): then the
  // folder is not a run's, and nothing may adopt or delete it.
  std::function<std::string()> store_foreign;
};

struct OutputRequest {
  bool worker = false;  // --shard i/K or an MPI rank: shares the store with other workers
  bool resume = false;
  bool force = false;
};

enum class OutputStep {
  refuse,                      // exit 2 with `key` and `reason`; the output and the store untouched
  finished,                    // the output is this experiment's finished file: print its table
  train,                       // train what the store lacks (creating the store if there is none)
  train_after_removing_store,  // --force: start over
};

struct OutputDecision {
  OutputStep step = OutputStep::refuse;
  std::string key;     // the option a refusal names
  std::string reason;  // the refusal's message
};

// Why a shard folder that holds `entry`, a file perfgen does not write there, is refused (by run and merge).
std::string foreign_store_reason(const std::string& store, const std::string& entry);

// output and store name the paths in messages.
OutputDecision decide_output(const OutputFacts& facts, const OutputRequest& request, const std::string& output,
                             const std::string& store);

}  // namespace perfgen
