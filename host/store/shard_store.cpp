// Shards, checkpoints, and atomic replacement of files.
#include "shard_store.h"

#include <fcntl.h>
#include <signal.h>
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
#include "file_check.h"
#include "hdf5_io.h"
#include "hdf5_signature.h"

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

// replace_atomically's temporary: PATH.tmp-PID (remove_stale_temporaries finds the stale ones by it).
constexpr char kTemporaryInfix[] = ".tmp-";
std::string temporary_name(const std::string& path) { return path + kTemporaryInfix + std::to_string(::getpid()); }

// The first entry of `folder` that perfgen does not write into a store (config.toml, batches-….h5,
// batch-…-checkpoint.h5, final.h5.partial, with their temporary and .damaged names; and the .nfs…
// files an NFS client leaves for a file deleted while open), "" when there is none; the folder itself
// when it is not a real folder (a file, a link).
std::string first_foreign_entry(const fs::path& folder) {
  if (!fs::is_directory(fs::symlink_status(folder))) return folder.string();
  for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    std::error_code ignored;
    const fs::file_status status = entry.symlink_status(ignored);  // looked up now, not when listed
    // Gone since it was listed: a temporary of another process renamed into place (the ranks of one
    // mpirun check the store while one of them writes config.toml).
    if (status.type() == fs::file_type::not_found) continue;
    static const char* const kOurs[] = {"config.toml", "batches-", "batch-", "final.h5.partial", ".nfs"};
    const bool ours =
        fs::is_regular_file(status) &&
        std::any_of(std::begin(kOurs), std::end(kOurs), [&](const char* prefix) { return name.rfind(prefix, 0) == 0; });
    if (!ours) return name;
  }
  return "";
}

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

bool ShardStore::has_config() const { return fs::exists(config_path()); }

bool ShardStore::holds_no_run() const {
  std::error_code error;
  if (!fs::is_directory(fs::symlink_status(directory_, error))) return false;
  const std::string config_temporary = std::string("config.toml") + kTemporaryInfix;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory_, error))
    if (entry.path().filename().string().rfind(config_temporary, 0) != 0) return false;
  return !error;
}

void ShardStore::create(const std::string& resolved_config) const {
  std::error_code ec;
  const bool made = fs::create_directories(directory_, ec);
  if (ec) throw InputError("--output", "cannot create " + directory_ + ": " + ec.message());
  const std::string path = config_path();
  {
    std::ofstream out(temporary_name(path));
    out << resolved_config;
    if (!out.flush()) {  // a full disk, a file-size limit: an I/O failure (exit 1), leaving no temporary
      out.close();
      fs::remove(temporary_name(path), ec);
      if (made) fs::remove(directory_, ec);  // the folder this call made (not a user's, nor a link)
      throw std::runtime_error("cannot write " + path);
    }
  }
  // Linked, not renamed, into place: workers of one sweep started together each store their config, and a
  // rename would let the last one replace an earlier one's, whose shards then hold another experiment.
  const bool linked = ::link(temporary_name(path).c_str(), path.c_str()) == 0;
  const int link_error = errno;
  fs::remove(temporary_name(path), ec);
  if (!linked && link_error != EEXIST)
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(link_error));
  if (!linked && stored_config() != resolved_config)
    throw InputError("--output", "another perfgen stored a different experiment in " + directory_ +
                                     " at the same moment (its config.toml): the workers of one sweep must run the "
                                     "same experiment");
  fsync_directory(directory_);
}

std::string ShardStore::stored_config() const {
  std::ifstream in(config_path());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ShardStore::shard_path(const BatchRange& batches) const {
  char name[80];
  std::snprintf(name, sizeof name, "/batches-%08lld-to-%08lld-every-%lld.h5", static_cast<long long>(batches.first),
                static_cast<long long>(batches.last), static_cast<long long>(batches.stride));
  return directory_ + name;
}

void ShardStore::write_shard(const BatchRange& batches, const FileAttributes& attributes,
                             const std::vector<ColumnGroup>& groups, std::size_t chunk_rows) const {
  write_hdf5_atomically(shard_path(batches), attributes, groups, StorageLayout{chunk_rows, 0});
  // Only now: a kill between the rename and here leaves a checkpoint that the shard overrides.
  for (std::int64_t b = batches.first; b <= batches.last; b += batches.stride) {
    std::error_code ignored;
    fs::remove(checkpoint_path(b), ignored);
  }
}

std::string ShardStore::checkpoint_path(std::int64_t batch) const {
  char name[48];
  std::snprintf(name, sizeof name, "/batch-%08lld-checkpoint.h5", static_cast<long long>(batch));
  return directory_ + name;
}

void ShardStore::write_checkpoint(std::int64_t batch, const FileAttributes& attributes,
                                  const std::vector<ColumnGroup>& groups) const {
  write_hdf5_atomically(checkpoint_path(batch), attributes, groups, StorageLayout{});
}

std::vector<std::int64_t> ShardStore::checkpointed_batches() const {
  std::vector<std::int64_t> batches;
  if (!exists()) return batches;
  for (const auto& entry : fs::directory_iterator(directory_)) {
    const std::string name = entry.path().filename().string();
    long long batch = 0;
    int length = 0;
    if (std::sscanf(name.c_str(), "batch-%lld-checkpoint.h5%n", &batch, &length) == 1 &&
        static_cast<std::size_t>(length) == name.size() && batch >= 0)
      batches.push_back(batch);
  }
  std::sort(batches.begin(), batches.end());
  return batches;
}

std::vector<ColumnGroup> ShardStore::read_checkpoint(std::int64_t batch) const {
  const std::string path = checkpoint_path(batch);
  std::vector<ColumnGroup> groups{read_hdf5_group(path, "trials")};
  if (hdf5_has_group(path, "trajectories")) groups.push_back(read_hdf5_group(path, "trajectories"));
  return groups;
}

double ShardStore::checkpoint_wall_seconds(std::int64_t batch) const {
  const FileAttributes attributes = read_hdf5_attributes(checkpoint_path(batch));
  return attributes.number_of("wall_seconds").value_or(0.0);
}

std::vector<Shard> ShardStore::shards() const {
  std::vector<Shard> found;
  if (!exists()) return found;
  for (const auto& entry : fs::directory_iterator(directory_)) {
    const std::string name = entry.path().filename().string();
    long long first = 0, last = 0, stride = 0;
    int length = 0;
    bool named =
        std::sscanf(name.c_str(), "batches-%lld-to-%lld-every-%lld.h5%n", &first, &last, &stride, &length) == 3 &&
        static_cast<std::size_t>(length) == name.size();
    if (!named && std::sscanf(name.c_str(), "batch-%lld.h5%n", &first, &length) == 1 &&
        static_cast<std::size_t>(length) == name.size()) {  // one batch per shard, as written by earlier builds
      last = first;
      stride = 1;
      named = true;
    }
    if (!named) continue;  // config.toml, temporary files of a killed writer
    if (first < 0 || last < first || stride < 1 || (last - first) % stride != 0)
      throw std::runtime_error("shard " + entry.path().string() + " names an impossible batch range");
    found.push_back({entry.path().string(), {first, last, stride}});
  }
  std::sort(found.begin(), found.end(),
            [](const Shard& a, const Shard& b) { return a.batches.first < b.batches.first; });
  return found;
}

ColumnGroup ShardStore::gather(const std::string& group, const std::string& row_dim) const {
  ColumnGroup all;
  all.name = group;
  for (const Shard& shard : shards())
    if (hdf5_has_group(shard.path, group))  // e.g. a shard without recorded trajectories
      append_rows(all, read_hdf5_group(shard.path, group), row_dim);
  sort_rows(all, row_dim);
  return all;
}

void sort_rows(ColumnGroup& group, const std::string& row_dim) {
  if (group.columns.empty()) return;
  const Column& trial = group.at(row_dim);
  std::vector<std::size_t> order(trial.rows());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return trial.integer[a] < trial.integer[b]; });
  for (Column& c : group.columns)
    if (c.dims.front() == row_dim) reorder_rows(c, order);
}

std::vector<std::string> ShardStore::result_files() const {
  std::vector<std::string> files;
  for (const Shard& shard : shards()) files.push_back(shard.path);
  for (std::int64_t batch : checkpointed_batches()) files.push_back(checkpoint_path(batch));
  return files;
}

std::vector<FileVerdict> ShardStore::set_aside_damaged(const std::atomic<bool>* stop) const {
  std::vector<FileVerdict> damaged;
  for (FileVerdict& verdict : verify_files_in_child(result_files(), stop)) {
    if (verdict.whole) continue;
    fs::rename(verdict.path, verdict.path + ".damaged");
    damaged.push_back(std::move(verdict));
  }
  if (!damaged.empty()) fsync_directory(directory_);
  return damaged;
}

std::string ShardStore::foreign_entry() const { return first_foreign_entry(directory_); }

void ShardStore::remove() const {
  remove_leftover();
  if (!fs::exists(directory_)) return;
  const fs::path aside = removing_directory();
  // A FOLDER.removing that is not a leftover of ours is left alone, and the store deleted in place; so
  // is the store when the name cannot be used (too long for this filesystem: check_output_location
  // refuses such outputs, a store made before that check may exist).
  std::error_code status_error;
  const fs::file_status aside_status = fs::symlink_status(aside, status_error);
  if (fs::exists(aside_status) || (status_error && status_error != std::errc::no_such_file_or_directory)) {
    fs::remove_all(directory_);
    return;
  }
  fs::rename(directory_, aside);
  fsync_directory(fs::absolute(aside).parent_path());
  fs::remove_all(aside);
}

void ShardStore::remove_leftover() const {
  const fs::path aside = removing_directory();
  std::error_code ignored;  // workers of one run may both find it; one of them deletes it
  try {
    if (fs::exists(fs::symlink_status(aside, ignored)) && first_foreign_entry(aside).empty())
      fs::remove_all(aside, ignored);
  } catch (const fs::filesystem_error&) {  // deleted meanwhile by another worker, or unreadable: left
  }
}

ShardIndex::ShardIndex(const ShardStore& store, std::int64_t batch_count)
    : shards_(store.shards()), shard_of_(static_cast<std::size_t>(batch_count), -1) {
  for (std::size_t k = 0; k < shards_.size(); ++k) {
    const BatchRange& r = shards_[k].batches;
    if (r.last >= batch_count)
      throw std::runtime_error("shard " + shards_[k].path + " holds batches beyond the sweep's " +
                               std::to_string(batch_count));
    for (std::int64_t b = r.first; b <= r.last; b += r.stride) {
      if (shard_of_[b] >= 0)
        throw std::runtime_error("batch " + std::to_string(b) + " is in two shards: " + shards_[shard_of_[b]].path +
                                 " and " + shards_[k].path);
      shard_of_[b] = static_cast<std::int32_t>(k);
      ++finished_;
    }
  }
}

std::int64_t ShardIndex::position(std::int64_t batch) const {
  const BatchRange& r = shard_of(batch).batches;
  return (batch - r.first) / r.stride;
}

void visit_finished_trials(const ShardIndex& index, std::int64_t batch_size, std::int64_t trial_count,
                           std::size_t max_rows, const std::function<void(const ColumnGroup&, std::int64_t)>& visit) {
  const std::int64_t batches = batch_count(trial_count, batch_size);
  const auto limit = static_cast<std::int64_t>(std::max<std::size_t>(max_rows, 1));
  for (std::int64_t b = 0; b < batches;) {
    if (!index.has(b)) {
      ++b;
      continue;
    }
    // Whole batches that follow b in the same shard (stride 1) and in trial order, up to the row limit.
    const Shard& shard = index.shard_of(b);
    std::int64_t next = b + 1;
    while (next < batches && shard.batches.stride == 1 && index.has(next) && &index.shard_of(next) == &shard &&
           (next + 1 - b) * batch_size <= limit)
      ++next;
    const std::int64_t first_trial = b * batch_size, end_trial = std::min(trial_count, next * batch_size);
    const ColumnGroup piece =
        read_hdf5_rows(shard.path, "trials", "trial", static_cast<std::size_t>(index.position(b) * batch_size),
                       static_cast<std::size_t>(end_trial - first_trial));
    visit(piece, first_trial);
    b = next;
  }
}

void replace_atomically(const std::string& path, const std::function<void(const std::string&)>& write,
                        const std::string& given_temporary) {
  const std::string temporary = given_temporary.empty() ? temporary_name(path) : given_temporary;
  errno = 0;
  try {
    write(temporary);
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

namespace {

// The largest PID this system hands out (Linux: /proc/sys/kernel/pid_max; 2^22 at most).
long most_pid() {
  long most = 4194304;
  std::ifstream("/proc/sys/kernel/pid_max") >> most;
  return most;
}

// Whether `path`, named like replace_atomically's temporary, is one a killed perfgen left: empty, or an
// HDF5 file without the `config` attribute that a finished results file has (written last). A user's
// file of that name (a copy of finished results, notes) is kept.
bool is_unfinished_temporary(const fs::path& path) {
  std::error_code ec;
  if (fs::file_size(path, ec) == 0 && !ec) return true;
  return has_hdf5_signature(path.string()) && !is_results_file(path.string());  // unreadable counts as unfinished
}

}  // namespace

void remove_stale_temporaries(const std::string& path) {
  const fs::path target(path);
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string prefix = target.filename().string() + kTemporaryInfix;
  const long pid_limit = most_pid();
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0 || name.size() - prefix.size() > 7)
      continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::stol(digits);
    std::error_code status_error;
    if (pid > pid_limit || !fs::is_regular_file(fs::symlink_status(it->path(), status_error))) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
      continue;  // a running process has this number (on this machine), or one of another user
    if (!is_unfinished_temporary(it->path())) continue;
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

void write_hdf5_atomically(const std::string& path, const FileAttributes& attributes,
                           const std::vector<ColumnGroup>& groups, const StorageLayout& layout) {
  replace_atomically(path, [&](const std::string& temporary) { write_hdf5(temporary, attributes, groups, layout); });
}

}  // namespace perfgen
