#include "hdf5_handle.h"

#include <vector>

namespace perfgen::hdf5 {

void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: " + what + " failed");
}

// No automatic error printing (errors become exceptions here), and no
// library shutdown at exit. HDF5 1.10's shutdown retries closing a file whose flush failed (disk full)
// and crashes there; every file perfgen opens is closed explicitly, so the shutdown has nothing to do.
// Debian's library is thread-safe, which gives every thread its own error stack: each thread that
// calls HDF5 (the writer thread, the main thread) silences its own.
void silence_hdf5_errors() {
  static const bool no_shutdown = [] { return H5dont_atexit() >= 0; }();
  thread_local const bool silenced = H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0;
  (void)no_shutdown;
  (void)silenced;
}

void select_rows(hid_t space, std::size_t first_row, std::size_t rows) {
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> extent(rank), start(rank, 0);
  H5Sget_simple_extent_dims(space, extent.data(), nullptr);
  start[0] = first_row;
  extent[0] = rows;
  check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, extent.data(), nullptr), "selecting rows");
}

Handle open_file(const std::string& path) {
  silence_hdf5_errors();
  return Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "opening " + path);
}

}  // namespace perfgen::hdf5
