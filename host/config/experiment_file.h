// Reading experiment files (TOML): parse, apply --set overrides, reject unknown keys and wrong
// types, then validate (host/config/experiment_validation.cpp). Throws InputError naming the key.
#pragma once

#include <string>
#include <vector>

#include "experiment.h"

namespace perfgen {

// `source` names the text in messages (a path, or "<default experiment>").
// Each override is "section.key=value", the value in TOML syntax (a bare word is a string).
// `name_if_unset` is the name when neither the text nor an override gives one (empty: "experiment").
Experiment load_experiment(const std::string& toml_text, const std::string& source,
                           const std::vector<std::string>& overrides, const std::string& name_if_unset = "");

// The file at `path`, named after the file's stem (sweeps/lr_scan.toml: lr_scan) unless it sets a
// name; "-" reads standard input, named <stdin> in messages.
Experiment load_experiment_file(const std::string& path, const std::vector<std::string>& overrides);

// The embedded default (data/default-example1.toml): a small Example-1 sweep over n and c_tilde.
const std::string& default_experiment_text();

// Every key an experiment file may hold, as section.key ("name" alone), for naming the section an
// unknown key belongs to (`--set lr=0.1`: train.lr). A test holds it to the keys the reader accepts.
const std::vector<std::string>& setting_keys();

}  // namespace perfgen
