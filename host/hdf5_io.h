// Writes and reads column groups as netCDF-4-compatible HDF5 (DESIGN §4): one dataset per column,
// every axis attached to a dimension scale, creation order tracked, format bounds ≤ HDF5 1.8.
#pragma once

#include <string>
#include <vector>

#include "columns.h"

namespace perfgen {

// How datasets are laid out: chunks of chunk_rows rows; deflate level 1-9 with the shuffle filter, or 0
// for no filter (shards, which live only until the merge: the filters were ~90% of their write time).
struct StorageLayout {
  std::size_t chunk_rows = 1024;
  int deflate_level = 0;
};

// Writes the file at `path` (replacing it), then fsyncs it.
void write_hdf5(const std::string& path, const FileAttributes& attributes, const std::vector<ColumnGroup>& groups,
                const StorageLayout& layout);

bool hdf5_has_group(const std::string& path, const std::string& group);
ColumnGroup read_hdf5_group(const std::string& path, const std::string& group);
FileAttributes read_hdf5_attributes(const std::string& path);

}  // namespace perfgen
