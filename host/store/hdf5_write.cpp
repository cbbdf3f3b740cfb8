// Writing results files: datasets with their attributes and dimension scales, filled whole or by row
// ranges whose chunks are encoded on several threads. Integer columns travel as int64 in memory and
// HDF5 converts them to their on-disk width (int32, int8).
#include <fcntl.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>

#include "chunk_codec.h"
#include "hdf5_handle.h"
#include "hdf5_io.h"
#include "parallel.h"

namespace perfgen {

using hdf5::check;
using hdf5::Handle;
using hdf5::select_rows;
using hdf5::silence_hdf5_errors;

namespace {

constexpr unsigned kCreationOrder = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

hid_t file_type(ColumnType t) {
  switch (t) {
    case ColumnType::f64:
      return H5T_IEEE_F64LE;
    case ColumnType::i64:
      return H5T_STD_I64LE;
    case ColumnType::i32:
      return H5T_STD_I32LE;
    default:
      return H5T_STD_I8LE;
  }
}

// Variable-length UTF-8: h5py reads it as str (a fixed-length one would come back as bytes, and
// f.attrs["backend"] == "cpu" would be false); netCDF-4 and xarray read it as a string attribute.
void write_text_attribute(hid_t object, const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  check(H5Tset_size(type, H5T_VARIABLE), "string size");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "string character set");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "scalar space");
  Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, "attribute " + name);
  const char* text = value.c_str();
  check(H5Awrite(attr, type, &text), "writing attribute " + name);
}

// Numeric attributes: an array of `count` elements (default 1) of file type `type`, written from
// `memory_type` data.
void write_numeric_attribute(hid_t object, const std::string& name, hid_t type, hid_t memory_type, const void* data,
                             hsize_t count = 1) {
  Handle space(H5Screate_simple(1, &count, nullptr), H5Sclose, "attribute space");
  Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, "attribute " + name);
  check(H5Awrite(attr, memory_type, data), "writing attribute " + name);
}

Handle creation_ordered_group_plist() {
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "group property list");
  check(H5Pset_link_creation_order(gcpl, kCreationOrder), "link creation order");
  check(H5Pset_attr_creation_order(gcpl, kCreationOrder), "attribute creation order");
  check(H5Pset_obj_track_times(gcpl, 0), "object times");  // same config ⇒ same bytes
  return gcpl;
}

// Creates the dataset of column c with `rows` rows and its attributes, and writes c's data into it
// when with_data (c then has all the rows).
Handle create_dataset(hid_t group, const Column& c, const StorageLayout& layout, std::size_t rows, bool with_data) {
  std::vector<hsize_t> dims(c.shape.begin(), c.shape.end());
  dims[0] = rows;
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, "dataspace " + c.name);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "dataset property list");
  check(H5Pset_attr_creation_order(dcpl, kCreationOrder), "attribute creation order");
  check(H5Pset_obj_track_times(dcpl, 0), "object times");  // same config ⇒ same bytes
  if (rows * c.row_width() > 0) {
    std::vector<hsize_t> chunk = dims;
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], layout.chunk_rows));
    check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "chunking " + c.name);
    if (layout.deflate_level > 0) {
      check(H5Pset_shuffle(dcpl), "shuffle filter");
      check(H5Pset_deflate(dcpl, static_cast<unsigned>(layout.deflate_level)), "deflate filter");
    }
    check(H5Pset_fletcher32(dcpl), "checksum filter");  // last: it covers the bytes as stored
  }
  if (c.is_real()) {
    const double fill = std::numeric_limits<double>::quiet_NaN();
    check(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill), "fill value");
  }
  Handle dataset(H5Dcreate2(group, c.name.c_str(), file_type(c.type), space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
                 "creating dataset " + c.name);
  if (with_data && c.size() > 0) {
    const herr_t status = c.is_real()
                              ? H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.real.data())
                              : H5Dwrite(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.integer.data());
    check(status, "writing dataset " + c.name);
  }
  if (c.is_real()) {
    const double fill = std::numeric_limits<double>::quiet_NaN();
    write_numeric_attribute(dataset, "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &fill);
  }
  if (!c.long_name.empty()) write_text_attribute(dataset, "long_name", c.long_name);
  if (!c.units.empty()) write_text_attribute(dataset, "units", c.units);
  if (!c.coordinates.empty()) write_text_attribute(dataset, "coordinates", c.coordinates);
  if (!c.flag_values.empty()) {
    write_numeric_attribute(dataset, "flag_values", file_type(c.type), H5T_NATIVE_INT64, c.flag_values.data(),
                            c.flag_values.size());
    write_text_attribute(dataset, "flag_meanings", c.flag_meanings);
  }
  return dataset;
}

void write_row_range(hid_t dataset, const Column& c, std::size_t first_row) {
  if (c.size() == 0) return;
  Handle file_space(H5Dget_space(dataset), H5Sclose, "dataspace of " + c.name);
  select_rows(file_space, first_row, c.rows());
  const std::vector<hsize_t> dims(c.shape.begin(), c.shape.end());
  Handle memory_space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, "memory space");
  const herr_t status =
      c.is_real() ? H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory_space, file_space, H5P_DEFAULT, c.real.data())
                  : H5Dwrite(dataset, H5T_NATIVE_INT64, memory_space, file_space, H5P_DEFAULT, c.integer.data());
  check(status, "writing rows of " + c.name);
}

// Index coordinate 0..size-1 for a dimension that no column names.
Column index_column(const std::string& dim, std::size_t size) {
  Column c;
  c.name = dim;
  c.type = ColumnType::i64;
  c.dims = {dim};
  c.shape = {size};
  c.long_name = "index along " + dim;
  for (std::size_t i = 0; i < size; ++i) c.integer.push_back(static_cast<std::int64_t>(i));
  return c;
}

// Creates group g with its datasets, those over row_dim sized to `rows` (all of them whole when row_dim
// is empty), and returns every dataset's handle by name.
std::map<std::string, Handle> create_group(hid_t file, const ColumnGroup& g, const StorageLayout& layout,
                                           const std::string& row_dim, std::size_t rows) {
  Handle gcpl = creation_ordered_group_plist();
  Handle group(H5Gcreate2(file, g.name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose, "group " + g.name);
  auto streamed = [&](const Column& c) { return !row_dim.empty() && c.dims.front() == row_dim; };
  auto rows_of = [&](const Column& c) { return streamed(c) ? rows : c.rows(); };
  std::vector<std::pair<std::string, std::size_t>> dims;  // in order of first use
  for (const Column& c : g.columns)
    for (std::size_t axis = 0; axis < c.dims.size(); ++axis)
      if (std::none_of(dims.begin(), dims.end(), [&](const auto& d) { return d.first == c.dims[axis]; }))
        dims.emplace_back(c.dims[axis], axis == 0 ? rows_of(c) : c.shape[axis]);
  std::map<std::string, Handle> datasets;
  for (const auto& [dim, size] : dims) {
    const Column* named = g.find(dim);
    const Column scale_column = named ? *named : index_column(dim, size);
    Handle scale = create_dataset(group, scale_column, layout, size, !named || !streamed(*named));
    check(H5DSset_scale(scale, dim.c_str()), "dimension scale " + dim);
    datasets.emplace(dim, std::move(scale));
  }
  for (const Column& c : g.columns) {
    if (datasets.count(c.name)) continue;
    Handle dataset = create_dataset(group, c, layout, rows_of(c), !streamed(c));
    for (std::size_t axis = 0; axis < c.dims.size(); ++axis)
      check(H5DSattach_scale(dataset, datasets.at(c.dims[axis]), static_cast<unsigned>(axis)),
            "attaching " + c.dims[axis] + " to " + c.name);
    datasets.emplace(c.name, std::move(dataset));
  }
  return datasets;
}

void fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot fsync " + path);
  }
  ::close(fd);
}

}  // namespace

struct Hdf5Writer::Open {
  struct Group {
    std::map<std::string, Handle> datasets;
    std::string row_dim;
    std::size_t rows = 0;
    ColumnGroup held;          // write_next_rows: rows short of a whole chunk
    std::size_t next_row = 0;  // write_next_rows: where the held rows go
  };
  Handle file;
  std::map<std::string, Group> begun;  // the groups begun and not yet closed, by name
};

namespace {

std::size_t file_element_size(ColumnType t) {
  switch (t) {
    case ColumnType::f64:
    case ColumnType::i64:
      return 8;
    case ColumnType::i32:
      return 4;
    default:
      return 1;
  }
}

// Rows [first, first + rows) of column c as a chunk of chunk_rows rows stores them: the on-disk type,
// little-endian (this host's order), the rows past the end of the data holding the fill value.
std::vector<unsigned char> chunk_bytes(const Column& c, std::size_t first, std::size_t rows, std::size_t chunk_rows) {
  const std::size_t width = c.row_width(), size = file_element_size(c.type), values = rows * width;
  std::vector<unsigned char> bytes(chunk_rows * width * size, 0);
  // The source by reference: a copy cost the whole column per chunk. A T is `size` bytes on disk.
  auto put = [&](auto value_type, const auto& source) {
    using T = decltype(value_type);
    for (std::size_t i = 0; i < values; ++i) {
      const T value = static_cast<T>(source[first * width + i]);
      std::memcpy(bytes.data() + i * sizeof(T), &value, sizeof(T));
    }
  };
  switch (c.type) {
    case ColumnType::f64: {
      put(double{}, c.real);
      const double fill = std::numeric_limits<double>::quiet_NaN();
      for (std::size_t i = values; i < chunk_rows * width; ++i) std::memcpy(bytes.data() + i * size, &fill, size);
      break;
    }
    case ColumnType::i64:
      put(std::int64_t{}, c.integer);
      break;
    case ColumnType::i32:
      put(std::int32_t{}, c.integer);
      break;
    default:
      put(std::int8_t{}, c.integer);
  }
  return bytes;
}

}  // namespace

Hdf5Writer::Hdf5Writer(const std::string& path, const StorageLayout& layout) : path_(path), layout_(layout) {
  silence_hdf5_errors();
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "file property list");
  check(H5Pset_link_creation_order(fcpl, kCreationOrder), "link creation order");
  check(H5Pset_obj_track_times(fcpl, 0), "object times");  // the root group too
  check(H5Pset_attr_creation_order(fcpl, kCreationOrder), "attribute creation order");
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access list");
  check(H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18), "format bounds");
  open_.reset(new Open{Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose, "creating " + path), {}});
}

Hdf5Writer::~Hdf5Writer() = default;

void Hdf5Writer::write_attributes(const FileAttributes& given) {
  FileAttributes attributes = given;  // the text as HDF5 stores it, a C string, for the checksum
  for (auto& entry : attributes.text) entry.second = entry.second.c_str();
  for (const auto& [key, value] : attributes.text) write_text_attribute(open_->file, key, value);
  for (const auto& [key, value] : attributes.numbers)
    write_numeric_attribute(open_->file, key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
  for (const auto& [key, value] : attributes.integers)
    write_numeric_attribute(open_->file, key, H5T_STD_I32LE, H5T_NATIVE_INT64, &value);
  write_text_attribute(open_->file, kAttributesChecksum, attributes_checksum(attributes));  // after the others
}

void Hdf5Writer::write_group(const ColumnGroup& group) { create_group(open_->file, group, layout_, "", 0); }

void Hdf5Writer::begin_group(const ColumnGroup& piece, const std::string& row_dim, std::size_t total_rows) {
  Open::Group& group = open_->begun[piece.name];
  group.datasets = create_group(open_->file, piece, layout_, row_dim, total_rows);
  group.row_dim = row_dim;
  group.rows = total_rows;
}

void Hdf5Writer::write_rows(const ColumnGroup& piece, std::size_t first_row) {
  const auto begun = open_->begun.find(piece.name);
  if (begun == open_->begun.end()) throw std::logic_error("write_rows: group " + piece.name + " was not begun");
  const Open::Group& group = begun->second;
  std::vector<const Column*> columns;
  for (const Column& c : piece.columns)
    if (c.dims.front() == group.row_dim && c.size() > 0) columns.push_back(&c);
  if (columns.empty()) return;
  const std::size_t rows = columns.front()->rows(), end_row = first_row + rows;
  const std::size_t chunk_rows = std::min(group.rows, layout_.chunk_rows);
  const bool whole_chunks = first_row % chunk_rows == 0 && (end_row % chunk_rows == 0 || end_row == group.rows);
  if (layout_.deflate_level == 0 || !whole_chunks) {
    for (const Column* c : columns) write_row_range(group.datasets.at(c->name), *c, first_row);
    return;
  }
  // Every chunk of every column encoded on the threads, then written raw in order on this one.
  const std::size_t chunks = (rows + chunk_rows - 1) / chunk_rows;
  std::vector<std::vector<unsigned char>> encoded(columns.size() * chunks);
  parallel_for(
      encoded.size(), layout_.encode_threads,
      [&](std::size_t task) {
        const Column& c = *columns[task / chunks];
        const std::size_t first = (task % chunks) * chunk_rows, count = std::min(chunk_rows, rows - first);
        encoded[task] = append_fletcher32(deflate_bytes(
            shuffle_bytes(chunk_bytes(c, first, count, chunk_rows), file_element_size(c.type)), layout_.deflate_level));
      },
      1);
  for (std::size_t task = 0; task < encoded.size(); ++task) {
    const Column& c = *columns[task / chunks];
    std::vector<hsize_t> offset(c.shape.size(), 0);
    offset[0] = first_row + (task % chunks) * chunk_rows;
    check(H5Dwrite_chunk(group.datasets.at(c.name), H5P_DEFAULT, 0, offset.data(), encoded[task].size(),
                         encoded[task].data()),
          "writing a chunk of " + c.name);
  }
}

void Hdf5Writer::write_next_rows(const ColumnGroup& piece) {
  const auto begun = open_->begun.find(piece.name);
  if (begun == open_->begun.end()) throw std::logic_error("write_next_rows: group " + piece.name + " was not begun");
  Open::Group& group = begun->second;
  append_rows(group.held, ColumnGroup(piece), group.row_dim);
  std::size_t held = 0;
  for (const Column& c : group.held.columns)
    if (c.dims.front() == group.row_dim) held = c.rows();
  if (group.next_row + held > group.rows)
    throw std::logic_error("write_next_rows: more rows than /" + piece.name + " has");
  const std::size_t chunk_rows = std::min(group.rows, layout_.chunk_rows);
  const std::size_t ready = group.next_row + held == group.rows ? held : held / chunk_rows * chunk_rows;
  if (ready == 0) return;
  ColumnGroup rest = row_range(group.held, group.row_dim, ready, held);
  write_rows(ready == held ? group.held : row_range(group.held, group.row_dim, 0, ready), group.next_row);
  group.next_row += ready;
  group.held = std::move(rest);
}

void Hdf5Writer::close() {
  for (const auto& [name, group] : open_->begun)
    if (group.next_row != group.rows &&
        (group.next_row > 0 || !group.held.columns.empty()))  // write_next_rows's, short
      throw std::logic_error("closing " + path_ + ": /" + name + " holds " + std::to_string(group.next_row) + " of " +
                             std::to_string(group.rows) + " rows");
  check(H5Fflush(open_->file, H5F_SCOPE_GLOBAL), "flushing " + path_);
  open_.reset();
  fsync_path(path_);
}

void write_hdf5(const std::string& path, const FileAttributes& attributes, const std::vector<ColumnGroup>& groups,
                const StorageLayout& layout) {
  Hdf5Writer writer(path, layout);
  writer.write_attributes(attributes);
  for (const ColumnGroup& g : groups) writer.write_group(g);
  writer.close();
}

bool hdf5_is_thread_safe() {
  hbool_t safe = false;  // asked of the library that runs, not of the headers it was built against
  return H5is_library_threadsafe(&safe) >= 0 && safe;
}

}  // namespace perfgen
