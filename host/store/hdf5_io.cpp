// HDF5 C API behind RAII handles. Integer columns travel as int64 in memory and HDF5 converts
// them to their on-disk width (int32, int8) on write and back on read.
#include "hdf5_io.h"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>

#include "chunk_codec.h"
#include "parallel.h"

namespace perfgen {
namespace {

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

void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: " + what + " failed");
}

// Before the first HDF5 call: no automatic error printing (errors become exceptions here), and no
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

void write_text_attribute(hid_t object, const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  check(H5Tset_size(type, std::max<std::size_t>(1, value.size())), "string size");
  check(H5Tset_strpad(type, H5T_STR_NULLTERM), "string padding");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "scalar space");
  Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, "attribute " + name);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  check(H5Awrite(attr, type, padded.data()), "writing attribute " + name);
}

// Numeric attributes: a 1-element array of file type `type`, written from `memory_type` data.
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

// The hyperslab of rows [first_row, first_row + rows) of a dataset of the given space.
void select_rows(hid_t space, std::size_t first_row, std::size_t rows) {
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> extent(rank), start(rank, 0);
  H5Sget_simple_extent_dims(space, extent.data(), nullptr);
  start[0] = first_row;
  extent[0] = rows;
  check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, extent.data(), nullptr), "selecting rows");
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

std::string read_text_attribute(hid_t object, const std::string& name) {
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
  Handle type(H5Aget_type(attr), H5Tclose, "attribute type");
  const std::size_t size = H5Tget_size(type);
  std::string value(size, '\0');
  check(H5Aread(attr, type, value.data()), "reading attribute " + name);
  value.resize(std::strlen(value.c_str()));
  return value;
}

std::vector<std::int64_t> read_integer_attribute(hid_t object, const std::string& name) {
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
  Handle space(H5Aget_space(attr), H5Sclose, "attribute space");
  std::vector<std::int64_t> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  check(H5Aread(attr, H5T_NATIVE_INT64, values.data()), "reading attribute " + name);
  return values;
}

herr_t collect_scale_name(hid_t, unsigned, hid_t scale, void* out) {
  char name[256] = {0};
  H5DSget_scale_name(scale, name, sizeof name);
  *static_cast<std::string*>(out) = name;
  return 1;  // stop after the first scale
}

herr_t collect_attribute_name(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

herr_t collect_link_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

constexpr std::size_t kAllRows = static_cast<std::size_t>(-1);

// Reads a column; of a column over row_dim only rows [first_row, first_row + rows) unless rows is kAllRows.
Column read_column(hid_t group, const std::string& name, const std::string& row_dim = "", std::size_t first_row = 0,
                   std::size_t rows = kAllRows) {
  Handle dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "opening dataset " + name);
  Handle space(H5Dget_space(dataset), H5Sclose, "dataspace");
  Handle type(H5Dget_type(dataset), H5Tclose, "datatype");
  Column c;
  c.name = name;
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  c.shape.assign(dims.begin(), dims.end());
  for (int axis = 0; axis < rank; ++axis) {
    std::string dim = name;
    if (H5DSis_scale(dataset) <= 0) {
      int index = 0;
      H5DSiterate_scales(dataset, static_cast<unsigned>(axis), &index, collect_scale_name, &dim);
    }
    c.dims.push_back(dim);
  }
  if (H5Tget_class(type) == H5T_FLOAT) {
    c.type = ColumnType::f64;
  } else {
    const std::size_t size = H5Tget_size(type);
    c.type = size == 8 ? ColumnType::i64 : size == 4 ? ColumnType::i32 : ColumnType::i8;
  }
  hid_t file_space = H5S_ALL, memory_space = H5S_ALL;
  std::unique_ptr<Handle> selected_memory;
  if (rows != kAllRows && rank > 0 && c.dims.front() == row_dim) {
    if (first_row + rows > c.shape[0])
      throw std::runtime_error("HDF5: rows " + std::to_string(first_row) + "+" + std::to_string(rows) + " of " + name +
                               " (it has " + std::to_string(c.shape[0]) + ")");
    c.shape[0] = rows;
    select_rows(space, first_row, rows);
    const std::vector<hsize_t> shape(c.shape.begin(), c.shape.end());
    selected_memory = std::make_unique<Handle>(H5Screate_simple(rank, shape.data(), nullptr), H5Sclose, "memory space");
    file_space = space;
    memory_space = *selected_memory;
  }
  if (c.is_real()) {
    c.real.resize(c.size());
    if (!c.real.empty())
      check(H5Dread(dataset, H5T_NATIVE_DOUBLE, memory_space, file_space, H5P_DEFAULT, c.real.data()),
            "reading " + name + " (a damaged chunk: checksum or decompression)");
  } else {
    c.integer.resize(c.size());
    if (!c.integer.empty())
      check(H5Dread(dataset, H5T_NATIVE_INT64, memory_space, file_space, H5P_DEFAULT, c.integer.data()),
            "reading " + name + " (a damaged chunk: checksum or decompression)");
  }
  if (H5Aexists(dataset, "long_name") > 0) c.long_name = read_text_attribute(dataset, "long_name");
  if (H5Aexists(dataset, "units") > 0) c.units = read_text_attribute(dataset, "units");
  if (H5Aexists(dataset, "coordinates") > 0) c.coordinates = read_text_attribute(dataset, "coordinates");
  if (H5Aexists(dataset, "flag_meanings") > 0) c.flag_meanings = read_text_attribute(dataset, "flag_meanings");
  if (H5Aexists(dataset, "flag_values") > 0) c.flag_values = read_integer_attribute(dataset, "flag_values");
  return c;
}

Handle open_file(const std::string& path) {
  silence_hdf5_errors();
  return Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "opening " + path);
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
  auto put = [&](auto value_type, auto source) {
    using T = decltype(value_type);
    for (std::size_t i = 0; i < values; ++i) {
      const T value = static_cast<T>(source[first * width + i]);
      std::memcpy(bytes.data() + i * size, &value, size);
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
  open_.reset(
      new Open{Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose, "creating " + path), {}});
}

Hdf5Writer::~Hdf5Writer() = default;

void Hdf5Writer::write_attributes(const FileAttributes& attributes) {
  for (const auto& [key, value] : attributes.text) write_text_attribute(open_->file, key, value);
  for (const auto& [key, value] : attributes.numbers)
    write_numeric_attribute(open_->file, key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
  for (const auto& [key, value] : attributes.integers)
    write_numeric_attribute(open_->file, key, H5T_STD_I32LE, H5T_NATIVE_INT64, &value);
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
    if (group.next_row != group.rows && (group.next_row > 0 || !group.held.columns.empty()))  // write_next_rows's, short
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
#ifdef H5_HAVE_THREADSAFE
  return true;
#else
  return false;
#endif
}

bool hdf5_has_group(const std::string& path, const std::string& group) {
  Handle file = open_file(path);
  return H5Lexists(file, group.c_str(), H5P_DEFAULT) > 0;
}

std::size_t hdf5_rows(const std::string& path, const std::string& dataset_path) {
  Handle file = open_file(path);
  Handle dataset(H5Dopen2(file, dataset_path.c_str(), H5P_DEFAULT), H5Dclose, "opening " + dataset_path + " in " + path);
  Handle space(H5Dget_space(dataset), H5Sclose, "dataspace of " + dataset_path);
  hsize_t dims[H5S_MAX_RANK] = {};
  if (H5Sget_simple_extent_dims(space, dims, nullptr) < 1) throw std::runtime_error(dataset_path + " has no rows");
  return static_cast<std::size_t>(dims[0]);
}

ColumnGroup read_hdf5_group(const std::string& path, const std::string& group_name) {
  return read_hdf5_rows(path, group_name, "", 0, kAllRows);
}

ColumnGroup read_hdf5_rows(const std::string& path, const std::string& group_name, const std::string& row_dim,
                           std::size_t first_row, std::size_t rows) {
  Handle file = open_file(path);
  Handle group(H5Gopen2(file, group_name.c_str(), H5P_DEFAULT), H5Gclose,
               "opening group /" + group_name + " in " + path);
  std::vector<std::string> names;
  hsize_t index = 0;
  check(H5Literate(group, H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, collect_link_name, &names), "listing " + group_name);
  ColumnGroup g;
  g.name = group_name;
  for (const std::string& name : names) g.columns.push_back(read_column(group, name, row_dim, first_row, rows));
  return g;
}

std::size_t verify_hdf5(const std::string& path) {
  read_hdf5_attributes(path);
  Handle file = open_file(path);
  std::vector<std::string> groups;
  hsize_t index = 0;
  check(H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &index, collect_link_name, &groups), "listing " + path);
  std::size_t datasets = 0;
  for (const std::string& group_name : groups) {
    Handle group(H5Gopen2(file, group_name.c_str(), H5P_DEFAULT), H5Gclose, "opening group /" + group_name);
    std::vector<std::string> names;
    index = 0;
    check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect_link_name, &names), "listing " + group_name);
    for (const std::string& name : names) {
      const std::string where = "/" + group_name + "/" + name;
      Handle dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "opening " + where);
      Handle space(H5Dget_space(dataset), H5Sclose, "dataspace of " + where);
      const int rank = H5Sget_simple_extent_ndims(space);
      std::vector<hsize_t> dims(rank);
      H5Sget_simple_extent_dims(space, dims.data(), nullptr);
      std::size_t width = 1;
      for (int axis = 1; axis < rank; ++axis) width *= dims[axis];
      const std::size_t rows = rank > 0 ? dims[0] : 1;
      // A damaged chunk index makes a chunk look unwritten, and HDF5 then returns the fill value
      // without any checksum: every chunk must be there.
      Handle dcpl(H5Dget_create_plist(dataset), H5Pclose, "creation list of " + where);
      if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
        std::vector<hsize_t> chunk(rank);
        H5Pget_chunk(dcpl, rank, chunk.data());
        // perfgen chunks along the first axis only; H5Dget_num_chunks fails on the version-1 B-tree
        // index that the 1.8 format bounds give, so each chunk's storage is asked for instead.
        std::vector<hsize_t> offset(rank, 0);
        for (hsize_t first = 0; rank > 0 && first < dims[0]; first += chunk[0]) {
          offset[0] = first;
          hsize_t bytes = 0;
          if (H5Dget_chunk_storage_size(dataset, offset.data(), &bytes) < 0 || bytes == 0)
            throw std::runtime_error("HDF5: " + where + " has no chunk at row " + std::to_string(first) +
                                     " (a damaged chunk index)");
        }
      }
      const std::size_t slab =
          std::max<std::size_t>(1, (std::size_t{64} << 20) / (8 * std::max<std::size_t>(width, 1)));
      std::vector<double> buffer;
      for (std::size_t first = 0; first < rows && width > 0; first += slab) {
        const std::size_t count = std::min(slab, rows - first);
        buffer.resize(count * width);
        hid_t file_space = H5S_ALL, memory_space = H5S_ALL;
        std::unique_ptr<Handle> selected;
        if (rank > 0) {
          select_rows(space, first, count);
          std::vector<hsize_t> shape = dims;
          shape[0] = count;
          selected = std::make_unique<Handle>(H5Screate_simple(rank, shape.data(), nullptr), H5Sclose, "memory space");
          file_space = space;
          memory_space = *selected;
        }
        check(H5Dread(dataset, H5T_NATIVE_DOUBLE, memory_space, file_space, H5P_DEFAULT, buffer.data()),
              "reading " + where + " rows " + std::to_string(first) + "-" + std::to_string(first + count - 1) +
                  " (a damaged chunk: checksum or decompression)");
      }
      ++datasets;
    }
  }
  return datasets;
}

FileAttributes read_hdf5_attributes(const std::string& path) {
  Handle file = open_file(path);
  Handle root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose, "opening / in " + path);
  std::vector<std::string> names;
  hsize_t index = 0;
  check(H5Aiterate2(root, H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, collect_attribute_name, &names),
        "listing attributes of " + path);
  FileAttributes attributes;
  for (const std::string& name : names) {
    Handle attr(H5Aopen(root, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
    Handle type(H5Aget_type(attr), H5Tclose, "attribute type");
    if (H5Tget_class(type) == H5T_STRING) {
      attributes.text.emplace_back(name, read_text_attribute(root, name));
    } else if (H5Tget_class(type) == H5T_INTEGER) {
      std::int64_t value = 0;
      check(H5Aread(attr, H5T_NATIVE_INT64, &value), "reading attribute " + name);
      attributes.integers.emplace_back(name, value);
    } else {
      double value = 0.0;
      check(H5Aread(attr, H5T_NATIVE_DOUBLE, &value), "reading attribute " + name);
      attributes.numbers.emplace_back(name, value);
    }
  }
  return attributes;
}

}  // namespace perfgen
