// Before a run trains: its output checked against the decision table of output_protocol.h, and the
// shards it would resume from checked for damage and for another file schema.
#pragma once

#include <ostream>
#include <string>

#include "commands.h"
#include "experiment.h"
#include "shard_spec.h"
#include "shard_store.h"

namespace perfgen {

// Refuses, before any work, an output that cannot be written or that would lose data. Returns true
// when the output already is the finished run, so that there is nothing to do.
bool prepare_output(const std::string& output, const ShardStore& store, const Experiment& e, const RunOptions& options,
                    const ShardSpec& shard);

// A shard or checkpoint damaged since it was written (a disk error, a copy cut short) is set aside,
// and its trials are trained again rather than stopping the run.
void warn_of_damaged_shards(const ShardStore& store, std::ostream& err);

// Shards of another file schema (an older perfgen) would merge into a file of two layouts: InputError
// naming `key`.
void refuse_other_schema(const ShardStore& store, const char* key);

}  // namespace perfgen
