// One writer per run. A whole run (with or without --force) and `merge` hold OUTPUT.lock exclusively;
// a worker of --shard i/K (or an MPI rank) holds it shared, so that workers run side by side, and
// holds OUTPUT.shard-i-of-K.lock exclusively, so that a worker runs once. The locks are flock(2)
// locks: the kernel drops them when their process dies, so a lock file left by a killed run does not
// block the next one; a lock's last holder removes its file. An exclusive holder writes its pid, host
// and start time into the file for the message another process then gives.
#pragma once

#include <string>
#include <vector>

namespace perfgen {

class RunLock {
 public:
  enum class Mode { exclusive, shared };
  // Throws InputError(named_by, …) naming the holder when another process holds the lock; named_by is
  // what names the output on the command line.
  RunLock(const std::string& path, Mode mode, const std::string& named_by = "--output");
  ~RunLock();  // the last holder removes the file (a shared one finds that it is last)
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  std::string path_;
  Mode mode_;
  int fd_ = -1;
};

// The lock files of a run's output: OUTPUT.lock, and OUTPUT.shard-i-of-K.lock of worker i of K.
std::string run_lock_path(const std::string& output);
std::string shard_lock_path(const std::string& output, int index, int count);

// The workers (--shard i/K, or ranks of mpirun -n K) running now on `output`: the
// OUTPUT.shard-i-of-K.lock files beside it that a live process holds, by i, with their holders' owner
// lines. Workers of two different K would train overlapping batches, and the merge would then find a
// batch in two shards.
struct RunningWorker {
  int index, count;
  std::string owner;  // "pid … on HOST since …"
};
std::vector<RunningWorker> running_workers(const std::string& output);

}  // namespace perfgen
