// Checks on a parsed experiment that need no TOML: ranges, consistency between settings and the
// sweep, sizes. Throws InputError naming the offending key.
#pragma once

#include "perfgen/config.h"

namespace perfgen {

void validate_experiment(const Experiment& e);

}  // namespace perfgen
