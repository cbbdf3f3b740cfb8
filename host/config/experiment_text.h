// The resolved experiment as TOML text: every setting with its value after defaults and overrides.
// It is stored in every results file and shard, and compared line by line by --resume and the shards.
#pragma once

#include <string>

#include "experiment.h"

namespace perfgen {

// Deterministic: sections and keys in a fixed order, numbers in their shortest round-trip form, so
// that loading the text again gives the same experiment and the same text.
std::string experiment_to_toml(const Experiment& e);

}  // namespace perfgen
