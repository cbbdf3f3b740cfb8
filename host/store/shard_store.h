// Crash-safe storage of a run: finished batches are written as HDF5 shards in OUTPUT.shards/ (each
// under a temporary name, fsynced, renamed), beside the resolved config. A shard holds a run of one
// worker's batches (first, first + stride, ..., last), sized by the writer to keep its fixed cost
// small. A batch interrupted by SIGINT/SIGTERM leaves the trials it finished in a checkpoint
// (`batch-N-checkpoint.h5`), which the batch's shard supersedes. The final file is written beside
// training or merged from the shards (host/run/final_file.h) and renamed into place.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "columns.h"
#include "file_check.h"
#include "hdf5_io.h"

namespace perfgen {

// How many batches of batch_size trials a sweep of `trials` has (the last one may be short).
inline std::int64_t batch_count(std::int64_t trials, std::int64_t batch_size) {
  return (trials + batch_size - 1) / batch_size;
}

// The batches of one shard: first, first + stride, ..., last. A worker of K owns every K-th batch.
struct BatchRange {
  std::int64_t first = 0, last = 0, stride = 1;
};

struct Shard {
  std::string path;
  BatchRange batches;
};

class ShardStore {
 public:
  explicit ShardStore(const std::string& output_path);

  const std::string& directory() const { return directory_; }
  bool exists() const;
  bool has_config() const;  // config.toml is written last when a store is created
  // The folder is there with nothing of a run in it: empty, or holding only the temporary of
  // config.toml that a run stopped while creating the store leaves (config.toml precedes any shard).
  bool holds_no_run() const;
  // Creates the directory and records the resolved config: InputError where the folder cannot be made
  // or holds another run's config.toml, std::runtime_error where writing fails (an I/O failure).
  void create(const std::string& resolved_config) const;
  std::string stored_config() const;
  std::string config_path() const { return directory_ + "/config.toml"; }  // the stored config's file
  // What remove() renames the folder to before deleting it (FOLDER.removing).
  std::string removing_directory() const { return directory_ + ".removing"; }

  std::string shard_path(const BatchRange& batches) const;
  // Uncompressed (the checksum filter only): a shard lives until the merge. The rows are those of the
  // batches, in order.
  void write_shard(const BatchRange& batches, const FileAttributes& attributes, const std::vector<ColumnGroup>& groups,
                   std::size_t chunk_rows) const;
  std::vector<Shard> shards() const;  // by first batch

  // The finished trials of an unfinished batch (result groups with their trial coordinate), replacing
  // any earlier checkpoint of the batch. A shard holding the batch removes its checkpoint.
  void write_checkpoint(std::int64_t batch, const FileAttributes& attributes,
                        const std::vector<ColumnGroup>& groups) const;
  std::vector<std::int64_t> checkpointed_batches() const;  // in order
  std::vector<ColumnGroup> read_checkpoint(std::int64_t batch) const;
  // The seconds of training its trials took (its wall_seconds attribute; 0 when it has none).
  double checkpoint_wall_seconds(std::int64_t batch) const;
  std::string checkpoint_path(std::int64_t batch) const;
  std::vector<std::string> result_files() const;  // every shard, then every checkpoint

  // The rows (along row_dim) of one group of every shard that has it, sorted by the row coordinate
  // (the column named row_dim, which holds trial indices). For small groups (trajectories).
  ColumnGroup gather(const std::string& group, const std::string& row_dim) const;
  // Reads every shard and checkpoint in a child process; those that are damaged are renamed to
  // NAME.damaged (their batches count as not trained) and returned with what is wrong with them.
  // *stop turning true gives the reading up (ReadingStopped), nothing renamed.
  std::vector<FileVerdict> set_aside_damaged(const std::atomic<bool>* stop = nullptr) const;
  // The first entry of the folder that perfgen does not write into a store ("" when there is none): a
  // folder of the store's name that holds others is not a run's, and is never adopted or deleted.
  std::string foreign_entry() const;
  // Renamed to FOLDER.removing, then deleted: a kill while deleting leaves no half store, which a
  // --resume would continue by training the deleted batches again. remove_leftover() deletes such a
  // FOLDER.removing, and only one that holds nothing but a store's files (remove() first calls it; a
  // FOLDER.removing that is not a leftover is left alone, and the store deleted in place).
  void remove() const;
  void remove_leftover() const;

 private:
  std::string directory_;
};

// Where each finished batch of a sweep is stored, from one listing of the store.
class ShardIndex {
 public:
  ShardIndex(const ShardStore& store, std::int64_t batch_count);

  bool has(std::int64_t batch) const { return shard_of_[batch] >= 0; }
  std::int64_t finished_batches() const { return finished_; }
  const std::vector<Shard>& shards() const { return shards_; }
  const Shard& shard_of(std::int64_t batch) const { return shards_[shard_of_[batch]]; }
  // The batch's place in its shard: 0 for the shard's first batch.
  std::int64_t position(std::int64_t batch) const;

 private:
  std::vector<Shard> shards_;
  std::vector<std::int32_t> shard_of_;  // -1: no shard yet
  std::int64_t finished_ = 0;
};

// Calls visit(piece, first_trial) for the finished trials of /trials in trial order, a piece at a time:
// each piece is a contiguous run of whole batches of one shard, of at most max_rows rows (but at least
// one batch). Memory is bounded by the piece, whatever the sweep's size.
void visit_finished_trials(const ShardIndex& index, std::int64_t batch_size, std::int64_t trial_count,
                           std::size_t max_rows, const std::function<void(const ColumnGroup&, std::int64_t)>& visit);

// Sorts the rows of a group (its columns along row_dim) by the row coordinate, the column named
// row_dim, which holds trial indices.
void sort_rows(ColumnGroup& group, const std::string& row_dim);

// What replace_atomically leaves when killed: PATH.tmp-PID files whose number is no running PID here,
// and which are empty or HDF5 files without a finished file's attributes (a user's file of that name
// is kept). Only while no other perfgen can write the output: holding its lock exclusively, or as
// mpirun's rank 0 once every rank has trained (the ranks hold it shared, and exclude every writer).
void remove_stale_temporaries(const std::string& path);

// Runs write(temporary) and renames the temporary file to `path`; removes it if write throws. The
// temporary is PATH.tmp-PID unless given (a file begun earlier in the same file system).
void replace_atomically(const std::string& path, const std::function<void(const std::string&)>& write,
                        const std::string& temporary = "");

// Writes the file through a temporary name in the same folder, then renames it into place.
void write_hdf5_atomically(const std::string& path, const FileAttributes& attributes,
                           const std::vector<ColumnGroup>& groups, const StorageLayout& layout);

}  // namespace perfgen
