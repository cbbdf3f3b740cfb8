// Before a run trains: its output checked against the decision table of output_protocol.h, and the
// shards it would resume from checked for damage and for another file schema.
#pragma once

#include <atomic>
#include <ostream>
#include <string>

#include "commands.h"
#include "experiment.h"
#include "shard_spec.h"
#include "shard_store.h"

namespace perfgen {

// Refuses an output path that names a folder, a link, a device or FIFO, or whose folder is missing or
// not writable (perfgen creates no folders): checked before the run's lock file is made beside it.
// `key`: the option the message names.
void check_output_location(const std::string& output, const std::string& key);

// The resolved config a results file stores, "" when it is no perfgen results file; read in a child,
// as the file may be damaged (a read that crashes throws, file_check.h).
std::string results_config_in_child(const std::string& path);

// Refuses, before any work, an output that would lose data or cannot be resumed. Deletes what a killed
// removal of the store left (FILE.h5.shards.removing), and the store itself when --force starts over.
// Returns true when the output already is the finished run, so that there is nothing to do.
bool prepare_output(const std::string& output, const ShardStore& store, const Experiment& e, const RunOptions& options,
                    const ShardSpec& shard);

// A shard or checkpoint damaged since it was written (a disk error, a copy cut short) is set aside,
// and its trials are trained again rather than stopping the run. `stop` (a signal) gives the
// reading up: ReadingStopped.
void set_aside_damaged_shards(const ShardStore& store, std::ostream& err, const std::atomic<bool>& stop);

// Shards of another file schema (an older perfgen) would merge into a file of two layouts, and shards
// whose config_hash is not that of the store's config.toml into a file of two experiments: InputError
// naming `key`.
void refuse_shards_of_another_run(const ShardStore& store, const char* key);

}  // namespace perfgen
