// Writes and reads column groups as netCDF-4-compatible HDF5 (docs/FILE_FORMAT.md): one dataset
// per column, every axis attached to a dimension scale, creation order tracked, format bounds ≤ HDF5 1.8.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "columns.h"

namespace perfgen {

// How datasets are laid out: chunks of chunk_rows rows; deflate level 1-9 with the shuffle filter, or 0
// for no compression (shards, which live only until the merge: compressing was ~90% of their write
// time). Every chunk carries a Fletcher-32 checksum, which HDF5 checks on every read: a damaged chunk
// is an error naming its dataset, never a wrong number. Rows written by chunk-aligned ranges are
// compressed on up to encode_threads threads (0: all).
struct StorageLayout {
  std::size_t chunk_rows = 1024;
  int deflate_level = 0;
  int encode_threads = 1;
};

// A file written a piece at a time, so that a group larger than memory can be stored: a whole group
// with write_group, or a group begun with its final row count and filled by row ranges (several
// groups may be filled at once, e.g. /trials and /cells by the merge). close()
// flushes and fsyncs; a writer destroyed without close() leaves an incomplete file behind.
class Hdf5Writer {
 public:
  Hdf5Writer(const std::string& path, const StorageLayout& layout);  // creates (replaces) the file
  ~Hdf5Writer();
  Hdf5Writer(const Hdf5Writer&) = delete;
  Hdf5Writer& operator=(const Hdf5Writer&) = delete;

  void write_attributes(const FileAttributes& attributes);
  void write_group(const ColumnGroup& group);
  // Creates a group with the columns of `piece`, those over row_dim sized to total_rows; the other
  // columns (index coordinates such as neuron or param) are written whole from the piece.
  void begin_group(const ColumnGroup& piece, const std::string& row_dim, std::size_t total_rows);
  // Writes the row columns of `piece` at rows [first_row, first_row + piece rows) of the group begun
  // with piece's name. With filters and whole chunks, the chunks are encoded in parallel and written
  // raw; a range that is not whole chunks goes through HDF5's chunk cache.
  void write_rows(const ColumnGroup& piece, std::size_t first_row);
  // Writes the rows of `piece` after those given to write_next_rows before, in the group begun with
  // piece's name: whole chunks as they fill, the rest held until the next piece or the group's last row.
  // close() refuses a group so filled that did not reach its last row.
  void write_next_rows(const ColumnGroup& piece);
  void close();

 private:
  struct Open;
  std::string path_;
  StorageLayout layout_;
  std::unique_ptr<Open> open_;
};

// Writes the file at `path` (replacing it), then fsyncs it.
void write_hdf5(const std::string& path, const FileAttributes& attributes, const std::vector<ColumnGroup>& groups,
                const StorageLayout& layout);

// Whether two threads may call HDF5 at once (a thread-safe build of the library, as Debian's).
bool hdf5_is_thread_safe();

bool hdf5_has_group(const std::string& path, const std::string& group);
// The rows (first dimension) of a dataset, e.g. "cells/cell".
std::size_t hdf5_rows(const std::string& path, const std::string& dataset_path);
ColumnGroup read_hdf5_group(const std::string& path, const std::string& group);
// Rows [first_row, first_row + rows) of the columns over row_dim, and the other columns whole.
ColumnGroup read_hdf5_rows(const std::string& path, const std::string& group, const std::string& row_dim,
                           std::size_t first_row, std::size_t rows);

// Reads every dataset of the file whole, a slab of at most ~64 MiB at a time, so that every chunk's
// checksum is checked; throws naming the first dataset that cannot be read. Returns the datasets read.
std::size_t verify_hdf5(const std::string& path);
FileAttributes read_hdf5_attributes(const std::string& path);

}  // namespace perfgen
