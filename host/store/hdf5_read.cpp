// Reading results files: attributes, whole groups or row ranges of them, and a full check of every
// chunk (verify_hdf5). Integer columns come back as int64 whatever their on-disk width.
#include <hdf5_hl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>

#include "hdf5_handle.h"
#include "hdf5_io.h"

namespace perfgen {

using hdf5::check;
using hdf5::Handle;
using hdf5::open_file;
using hdf5::select_rows;

namespace {

// What a failed read of a chunked dataset means in a file perfgen wrote.
constexpr char kDamagedChunk[] = " (a damaged chunk: checksum or decompression)";

// The elements an attribute holds: 1 for the scalars and 1-element arrays perfgen writes.
hssize_t attribute_elements(hid_t attr) {
  Handle space(H5Aget_space(attr), H5Sclose, "attribute space");
  return H5Sget_simple_extent_npoints(space);
}

// Whether an object has attribute `name` holding one string, as perfgen writes them; another reader's
// attribute of that name (an array, a number) is not perfgen's, and passed over.
bool has_one_string(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) return false;
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
  Handle type(H5Aget_type(attr), H5Tclose, "attribute type");
  return H5Tget_class(type) == H5T_STRING && attribute_elements(attr) == 1;
}

// Variable-length (0.2.0 files and later) or fixed-length (0.1.0 files) strings; one.
std::string read_text_attribute(hid_t object, const std::string& name) {
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
  Handle type(H5Aget_type(attr), H5Tclose, "attribute type");
  if (H5Tget_class(type) != H5T_STRING || attribute_elements(attr) != 1)  // H5Aread would fill room for one
    throw std::runtime_error("attribute " + name + " is not one string");
  if (H5Tis_variable_str(type) > 0) {
    Handle memory_type(H5Tget_native_type(type, H5T_DIR_ASCEND), H5Tclose, "attribute memory type");
    char* text = nullptr;
    check(H5Aread(attr, memory_type, &text), "reading attribute " + name);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
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
            "reading " + name + kDamagedChunk);
  } else {
    c.integer.resize(c.size());
    if (!c.integer.empty())
      check(H5Dread(dataset, H5T_NATIVE_INT64, memory_space, file_space, H5P_DEFAULT, c.integer.data()),
            "reading " + name + kDamagedChunk);
  }
  if (has_one_string(dataset, "long_name")) c.long_name = read_text_attribute(dataset, "long_name");
  if (has_one_string(dataset, "units")) c.units = read_text_attribute(dataset, "units");
  if (has_one_string(dataset, "coordinates")) c.coordinates = read_text_attribute(dataset, "coordinates");
  if (has_one_string(dataset, "flag_meanings")) c.flag_meanings = read_text_attribute(dataset, "flag_meanings");
  if (H5Aexists(dataset, "flag_values") > 0) c.flag_values = read_integer_attribute(dataset, "flag_values");
  return c;
}

}  // namespace

bool hdf5_has_group(const std::string& path, const std::string& group) {
  Handle file = open_file(path);
  return H5Lexists(file, group.c_str(), H5P_DEFAULT) > 0;
}

std::size_t hdf5_rows(const std::string& path, const std::string& dataset_path) {
  Handle file = open_file(path);
  Handle dataset(H5Dopen2(file, dataset_path.c_str(), H5P_DEFAULT), H5Dclose,
                 "opening " + dataset_path + " in " + path);
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
                  kDamagedChunk);
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
  FileAttributes attributes, checked;  // checked: the attributes before kAttributesChecksum
  std::optional<std::string> checksum;
  for (const std::string& name : names) {
    if (name == kAttributesChecksum && !checksum) {
      checksum = read_text_attribute(root, name);
      checked = attributes;
      continue;
    }
    Handle attr(H5Aopen(root, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
    Handle type(H5Aget_type(attr), H5Tclose, "attribute type");
    const H5T_class_t kind = H5Tget_class(type);
    // perfgen writes single strings, integers and floats; others (a reader's arrays, enums) are not its.
    if (attribute_elements(attr) != 1 || (kind != H5T_STRING && kind != H5T_INTEGER && kind != H5T_FLOAT)) continue;
    if (kind == H5T_STRING) {
      attributes.text.emplace_back(name, read_text_attribute(root, name));
    } else if (kind == H5T_INTEGER) {
      std::int64_t value = 0;
      check(H5Aread(attr, H5T_NATIVE_INT64, &value), "reading attribute " + name);
      attributes.integers.emplace_back(name, value);
    } else {
      double value = 0.0;
      check(H5Aread(attr, H5T_NATIVE_DOUBLE, &value), "reading attribute " + name);
      attributes.numbers.emplace_back(name, value);
    }
  }
  if (checksum && *checksum != attributes_checksum(checked))  // files of perfgen 0.2.0 and before have none
    throw std::runtime_error("HDF5: the root attributes of " + path + " do not match their " + kAttributesChecksum +
                             " (damaged, or changed after perfgen wrote them)");
  return attributes;
}

}  // namespace perfgen
