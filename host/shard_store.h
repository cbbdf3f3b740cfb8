// Crash-safe storage of a run: each finished batch becomes its own small HDF5 shard in
// OUTPUT.shards/ (written under a temporary name, fsynced, renamed), beside the resolved config.
// The final file is merged from the shards and renamed into place.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "columns.h"
#include "hdf5_io.h"

namespace perfgen {

class ShardStore {
 public:
  explicit ShardStore(const std::string& output_path);

  const std::string& directory() const { return directory_; }
  bool exists() const;
  bool has_config() const;  // config.toml is written last when a store is created
  // Creates the directory and records the resolved config; throws InputError if it cannot.
  void create(const std::string& resolved_config) const;
  std::string stored_config() const;

  std::string shard_path(std::int64_t batch) const;
  bool has_shard(std::int64_t batch) const;
  void write_shard(std::int64_t batch, const FileAttributes& attributes, const std::vector<ColumnGroup>& groups,
                   std::size_t chunk_rows) const;  // unfiltered: a shard lives until the merge
  std::vector<std::string> shard_paths() const;

  // The rows (along row_dim) of one group of every shard that has it, sorted by the row coordinate
  // (the column named row_dim, which holds trial indices).
  ColumnGroup gather(const std::string& group, const std::string& row_dim) const;
  ColumnGroup gather_trials() const { return gather("trials", "trial"); }
  FileAttributes first_shard_attributes() const;
  void remove() const;

 private:
  std::string directory_;
};

// Writes the file through a temporary name in the same folder, then renames it into place.
void write_hdf5_atomically(const std::string& path, const FileAttributes& attributes,
                           const std::vector<ColumnGroup>& groups, const StorageLayout& layout);

}  // namespace perfgen
