#include "run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "errors.h"
#include "utc_time.h"

namespace perfgen {
namespace {

// How long a lock held by another process is tried again before the run is refused: far longer than a
// holder on its way out holds it, far shorter than any run.
constexpr std::chrono::milliseconds kHolderLeavingMilliseconds{200};

// Whether `path` names the file open as fd (not one made after it was unlinked).
bool names_file(const std::string& path, int fd) {
  struct stat held {
  }, named{};
  return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
         held.st_dev == named.st_dev;
}

std::string owner_line() {
  char host[256] = "?";
  ::gethostname(host, sizeof host - 1);
  return "pid " + std::to_string(::getpid()) + " on " + host + " since " + utc_now();
}

// The first line of a lock file: its exclusive holder's owner_line.
std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

constexpr char kLockSuffix[] = ".lock", kShardInfix[] = ".shard-";

// Who holds the lock at `path`: its exclusive holder; for OUTPUT.lock (run_lock_path) held shared, the
// workers, each named in its own shard lock.
std::string holder_of(const std::string& path) {
  if (std::string line = first_line(path); !line.empty()) return line;
  const std::size_t suffix = sizeof kLockSuffix - 1;
  std::string workers;
  if (path.size() > suffix && path.compare(path.size() - suffix, suffix, kLockSuffix) == 0)
    for (const RunningWorker& w : running_workers(path.substr(0, path.size() - suffix)))
      workers += (workers.empty() ? "" : "; ") + std::string("shard ") + std::to_string(w.index) + "/" +
                 std::to_string(w.count) + (w.owner.empty() ? "" : ": " + w.owner);
  return workers.empty() ? "workers of a sharded run" : "workers of a sharded run: " + workers;
}

}  // namespace

RunLock::RunLock(const std::string& path, Mode mode, const std::string& named_by) : path_(path), mode_(mode) {
  // The file may be removed by its last holder between our open and our flock: then the lock we got
  // is on a file nobody else will see, and we try again. A holder on its way out holds the lock
  // exclusively for a moment (to learn whether it is the last, ~RunLock): a refusal waits that out.
  const auto refuse_after = std::chrono::steady_clock::now() + kHolderLeavingMilliseconds;
  for (;;) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw InputError(named_by, "cannot create the lock file " + path + ": " + std::strerror(errno));
    if (::flock(fd_, (mode == Mode::exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
      const int cause = errno;
      ::close(fd_);
      fd_ = -1;
      if (cause != EWOULDBLOCK) throw InputError(named_by, "cannot lock " + path + ": " + std::strerror(cause));
      if (std::chrono::steady_clock::now() < refuse_after) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      throw InputError(named_by, "another perfgen is writing this run (" + holder_of(path) + ", lock " + path +
                                     "); wait for it to end or stop it");
    }
    if (names_file(path, fd_)) break;
    ::close(fd_);
  }
  if (mode == Mode::exclusive) {  // the owner line only improves another process's message
    const std::string owner = owner_line() + "\n";
    [[maybe_unused]] const bool written =
        ::ftruncate(fd_, 0) == 0 && ::write(fd_, owner.data(), owner.size()) == static_cast<ssize_t>(owner.size());
  } else {  // an owner line here is a killed exclusive holder's: a refusal should name the workers
    [[maybe_unused]] const bool cleared = ::ftruncate(fd_, 0) == 0;
  }
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  // The last holder removes the file: an exclusive one always, a shared one when it can take the lock
  // exclusively (no other holder is left; a failed attempt may drop its shared lock, which it is about
  // to close anyway). A process that opened the file meanwhile locks a file the path no longer names,
  // and the constructor's loop makes a new one. Only the file this lock holds is removed, never a
  // newer one at the same path.
  if (mode_ == Mode::exclusive || ::flock(fd_, LOCK_EX | LOCK_NB) == 0)
    if (names_file(path_, fd_)) ::unlink(path_.c_str());
  ::close(fd_);
}

std::string run_lock_path(const std::string& output) { return output + kLockSuffix; }

std::string shard_lock_path(const std::string& output, int index, int count) {
  return output + kShardInfix + std::to_string(index) + "-of-" + std::to_string(count) + kLockSuffix;
}

std::vector<RunningWorker> running_workers(const std::string& output) {
  const std::filesystem::path folder = std::filesystem::absolute(output).parent_path();
  const std::string prefix = std::filesystem::path(output).filename().string() + kShardInfix;
  std::vector<RunningWorker> running;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    int index = 0, count = 0, length = 0;  // the names shard_lock_path makes
    if (name.compare(0, prefix.size(), prefix) != 0 ||
        std::sscanf(name.c_str() + prefix.size(), "%d-of-%d.lock%n", &index, &count, &length) != 2 ||
        prefix.size() + static_cast<std::size_t>(length) != name.size())
      continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK)  // held: running
      running.push_back({index, count, first_line(entry.path().string())});
    ::close(fd);
  }
  std::sort(running.begin(), running.end(),
            [](const RunningWorker& a, const RunningWorker& b) { return a.index < b.index; });
  return running;
}

}  // namespace perfgen
