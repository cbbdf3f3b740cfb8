// Checks on a parsed experiment that need no TOML: ranges, consistency between settings and the
// sweep, sizes. Throws InputError naming the offending key.
#pragma once

#include <string>
#include <vector>

#include "experiment.h"

namespace perfgen {

void validate_experiment(const Experiment& e);

// What a valid experiment does that its author likely did not mean, one sentence each: a seed axis
// whose seed changes nothing (data_seed over grid or points data; init_seed with a given
// init.direction or a scale of 0), so that each cell repeats identical trials and the recovery
// interval counts them as independent.
std::vector<std::string> experiment_warnings(const Experiment& e);

}  // namespace perfgen
