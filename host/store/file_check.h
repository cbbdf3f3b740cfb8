// Reading every dataset of HDF5 files in a child process, so that a damaged file is a verdict and not
// the end of perfgen: HDF5 1.10 can crash on damaged metadata (a bad free while listing a corrupted
// group), and every chunk's checksum is checked on the way.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace perfgen {

struct FileVerdict {
  std::string path;
  bool whole = false;
  std::size_t datasets = 0;  // read in full, when whole
  std::string problem;       // when not
};

// Thrown by verify_files_in_child when *stop turned true while the files were read: the child is
// killed at once (reading 10^8 trials takes minutes; a file on a hung mount whose waits a signal can end,
// for ever), no verdict given. A child in an uninterruptible wait is still waited for.
class ReadingStopped : public std::runtime_error {
 public:
  ReadingStopped() : std::runtime_error("the reading of the files was stopped") {}
};

// One verdict per file, in order. One child reads them all; if it crashes on a file, that file is
// damaged and another child takes the rest. With `stop`, the reading is given up within ~0.1 s of
// *stop turning true (ReadingStopped).
std::vector<FileVerdict> verify_files_in_child(const std::vector<std::string>& paths,
                                               const std::atomic<bool>* stop = nullptr);

// What read() returns, computed in a child process: a file whose damage makes the HDF5 library crash
// (or free memory it does not own) costs the child, not this process. A failure of read() is
// rethrown here with its message; a crash becomes "`what`: the HDF5 library crashed reading it".
// With `stop`, as verify_files_in_child.
std::string read_in_child(const std::function<std::string()>& read, const std::string& what,
                          const std::atomic<bool>* stop = nullptr);

// Whether `path` is a file perfgen wrote as a run's results: an HDF5 file with the `config` attribute,
// which a finished file gets last (read in a child).
bool is_results_file(const std::string& path);

}  // namespace perfgen
