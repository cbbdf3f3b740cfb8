// The HDF5 C API behind RAII handles, and the few calls both the writer and the readers of
// host/store make (hdf5_write.cpp, hdf5_read.cpp). Internal to the store part: it includes <hdf5.h>.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace perfgen::hdf5 {

// An HDF5 identifier closed by `close` when the handle goes; an identifier < 0 (a failed call) throws.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what) : id_(id), close_(close) {
    if (id < 0) throw std::runtime_error("HDF5: " + what + " failed");
  }
  ~Handle() { close_(id_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) {
    other.id_ = -1;
    other.close_ = noop;
  }
  operator hid_t() const { return id_; }

 private:
  static herr_t noop(hid_t) { return 0; }
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// Throws "HDF5: `what` failed" for a negative status.
void check(herr_t status, const std::string& what);

// Before the first HDF5 call of every thread (see hdf5_handle.cpp).
void silence_hdf5_errors();

// Selects rows [first_row, first_row + rows) of a dataset's space (all of the other axes).
void select_rows(hid_t space, std::size_t first_row, std::size_t rows);

// Opens a file for reading.
Handle open_file(const std::string& path);

}  // namespace perfgen::hdf5
