// Writes and reads column groups as netCDF-4-compatible HDF5 (DESIGN §4): one dataset per column,
// every axis attached to a dimension scale, creation order tracked, format bounds ≤ HDF5 1.8.
#pragma once

#include <string>
#include <vector>

#include "columns.h"

namespace perfgen {

// Writes the file at `path` (replacing it), then fsyncs it. chunk_rows sizes chunks along rows.
void write_hdf5(const std::string& path, const FileAttributes& attributes, const std::vector<ColumnGroup>& groups,
                std::size_t chunk_rows);

bool hdf5_has_group(const std::string& path, const std::string& group);
ColumnGroup read_hdf5_group(const std::string& path, const std::string& group);
FileAttributes read_hdf5_attributes(const std::string& path);

}  // namespace perfgen
