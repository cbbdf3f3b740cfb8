// Tells an HDF5 file (a results file or shard) from any other file by its format signature, so that a
// results file given as an experiment, or an experiment given as a results file, is named as such
// instead of failing in the other format's parser.
#pragma once

#include <string>
#include <string_view>

namespace perfgen {

// Whether the file at `path` holds the HDF5 signature where the library looks for it: at offset 0,
// or 512, 1024, 2048, … after a user block. False for a file that cannot be read.
bool has_hdf5_signature(const std::string& path);

// The same for bytes in memory (what was read from a pipe, which cannot be read twice).
bool holds_hdf5_signature(std::string_view bytes);

}  // namespace perfgen
