// Shards, their merge, and atomic replacement of files.
#include "shard_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "errors.h"
#include "hdf5_io.h"

namespace fs = std::filesystem;

namespace perfgen {
namespace {

void fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string temporary_name(const std::string& path) { return path + ".tmp-" + std::to_string(::getpid()); }

// Rows of `c` reordered by `order` (row indices into c).
void reorder_rows(Column& c, const std::vector<std::size_t>& order) {
  const std::size_t width = c.row_width();
  auto permute = [&](auto& data) {
    auto copy = data;
    for (std::size_t r = 0; r < order.size(); ++r)
      std::copy_n(copy.begin() + order[r] * width, width, data.begin() + r * width);
  };
  if (c.is_real())
    permute(c.real);
  else
    permute(c.integer);
}

}  // namespace

ShardStore::ShardStore(const std::string& output_path) : directory_(output_path + ".shards") {}

bool ShardStore::exists() const { return fs::is_directory(directory_); }

bool ShardStore::has_config() const { return fs::exists(directory_ + "/config.toml"); }

void ShardStore::create(const std::string& resolved_config) const {
  std::error_code ec;
  fs::create_directories(directory_, ec);
  if (ec) throw InputError("--output", "cannot create " + directory_ + ": " + ec.message());
  const std::string path = directory_ + "/config.toml";
  {
    std::ofstream out(temporary_name(path));
    out << resolved_config;
    if (!out.flush()) throw InputError("--output", "cannot write " + path);
  }
  fs::rename(temporary_name(path), path);
  fsync_directory(directory_);
}

std::string ShardStore::stored_config() const {
  std::ifstream in(directory_ + "/config.toml");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ShardStore::shard_path(std::int64_t batch) const {
  char name[32];
  std::snprintf(name, sizeof name, "/batch-%08lld.h5", static_cast<long long>(batch));
  return directory_ + name;
}

bool ShardStore::has_shard(std::int64_t batch) const { return fs::exists(shard_path(batch)); }

void ShardStore::write_shard(std::int64_t batch, const FileAttributes& attributes,
                             const std::vector<ColumnGroup>& groups, std::size_t chunk_rows) const {
  write_hdf5_atomically(shard_path(batch), attributes, groups, StorageLayout{chunk_rows, 0});
}

std::vector<std::string> ShardStore::shard_paths() const {
  std::vector<std::string> paths;
  if (!exists()) return paths;
  for (const auto& entry : fs::directory_iterator(directory_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("batch-", 0) == 0 && entry.path().extension() == ".h5") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

ColumnGroup ShardStore::gather(const std::string& group, const std::string& row_dim) const {
  ColumnGroup all;
  all.name = group;
  for (const std::string& path : shard_paths()) {
    if (!hdf5_has_group(path, group)) continue;  // e.g. a batch without recorded trajectories
    ColumnGroup shard = read_hdf5_group(path, group);
    if (all.columns.empty()) {
      all.columns = std::move(shard.columns);
      continue;
    }
    for (Column& c : all.columns) {
      if (c.dims.front() != row_dim) continue;  // index coordinates (neuron, param) are the same in every shard
      const Column& more = shard.at(c.name);
      if (more.row_width() != c.row_width())
        throw std::runtime_error("shard " + path + " has another width of " + c.name);
      c.real.insert(c.real.end(), more.real.begin(), more.real.end());
      c.integer.insert(c.integer.end(), more.integer.begin(), more.integer.end());
      c.shape[0] += more.rows();
    }
  }
  if (all.columns.empty()) return all;
  const Column& trial = all.at(row_dim);  // the row coordinate holds trial indices
  std::vector<std::size_t> order(trial.rows());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return trial.integer[a] < trial.integer[b]; });
  for (Column& c : all.columns)
    if (c.dims.front() == row_dim) reorder_rows(c, order);
  return all;
}

FileAttributes ShardStore::first_shard_attributes() const {
  const auto paths = shard_paths();
  return paths.empty() ? FileAttributes{} : read_hdf5_attributes(paths.front());
}

void ShardStore::remove() const { fs::remove_all(directory_); }

void write_hdf5_atomically(const std::string& path, const FileAttributes& attributes,
                           const std::vector<ColumnGroup>& groups, const StorageLayout& layout) {
  const std::string temporary = temporary_name(path);
  errno = 0;
  try {
    write_hdf5(temporary, attributes, groups, layout);
    fs::rename(temporary, path);
  } catch (const std::exception& failure) {
    const int cause = errno;  // HDF5 reports the failure, the system call behind it sets errno
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw std::runtime_error("cannot write " + path + ": " + failure.what() +
                             (cause ? std::string(" (") + std::strerror(cause) + ")" : std::string()));
  }
  fsync_directory(fs::absolute(path).parent_path());
}

}  // namespace perfgen
