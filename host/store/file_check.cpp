#include "file_check.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "hdf5_io.h"
#include "hdf5_signature.h"

namespace perfgen {
namespace {

// Writes all of text to the descriptor, or ends the child.
void send(int channel, const std::string& text) {
  for (std::size_t sent = 0; sent < text.size();) {
    const ssize_t n = ::write(channel, text.data() + sent, text.size() - sent);
    if (n <= 0) ::_exit(2);
    sent += static_cast<std::size_t>(n);
  }
}

// The child's report: a line per file, "whole <datasets>" or "damaged <problem>".
void verify_and_report(const std::vector<std::string>& paths, std::size_t first, int channel) {
  for (std::size_t k = first; k < paths.size(); ++k) {
    std::string line;
    try {
      line = "whole " + std::to_string(verify_hdf5(paths[k]));
    } catch (const std::exception& failure) {
      line = std::string("damaged ") + failure.what();
    }
    for (char& c : line)
      if (c == '\n') c = ' ';
    send(channel, line + '\n');
  }
}

// What a child process wrote to its channel, and how it ended.
struct ChildOutput {
  std::string text;
  int status = 0;  // as waitpid gives it
};

// Whether *stop is set; a null stop never is.
bool stopped(const std::atomic<bool>* stop) { return stop && stop->load(); }

// Runs work(channel) in a child process, which exits with work's return value, and collects what it
// wrote. `what` names the task in the messages of a pipe or fork that fails. When *stop turns true
// before the child is done, the child is killed and ReadingStopped thrown.
ChildOutput run_in_child(const std::function<int(int channel)>& work, const std::string& what,
                         const std::atomic<bool>* stop = nullptr) {
  int channel[2];
  if (::pipe(channel) != 0) throw std::runtime_error("cannot create a pipe to " + what);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("cannot fork to " + what);
  if (child == 0) {
    // It never outlives the parent (it would hold the parent's run lock, read on for nothing).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(2);  // the parent died before the line above
    // A Ctrl-C reaches the whole process group. Where the parent handles it (a merge, a resume), the
    // parent decides: it kills the child when it was given the stop flag (ReadingStopped, no verdict),
    // else the child finishes its reading; killed by the signal itself, the child would look like a
    // crash of the HDF5 library, and a healthy shard like a damaged one. Where the parent dies of it,
    // so does the child.
    for (const int signal : {SIGINT, SIGTERM}) {
      struct sigaction current {};
      ::sigaction(signal, nullptr, &current);
      if (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN) ::signal(signal, SIG_IGN);
    }
    ::close(channel[0]);
    ::_exit(work(channel[1]));
  }
  ::close(channel[1]);
  auto reap = [&](int& status) {
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
  };
  ChildOutput out;
  char buffer[4096];
  for (;;) {  // a signal the parent handles interrupts the wait; the child's text must still arrive whole
    if (stopped(stop)) {
      ::kill(child, SIGKILL);
      ::close(channel[0]);
      reap(out.status);
      throw ReadingStopped();
    }
    pollfd ready{channel[0], POLLIN, 0};
    const int polled = ::poll(&ready, 1, stop ? 100 : -1);  // with a stop flag, look at it every 0.1 s
    if (polled < 0 && errno != EINTR) break;
    if (polled <= 0) continue;
    const ssize_t n = ::read(channel[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(channel[0]);
  reap(out.status);
  return out;
}

std::string crash_text(int status) {
  return "the HDF5 library crashed reading it (signal " + std::to_string(WTERMSIG(status)) + ")";
}

}  // namespace

std::string read_in_child(const std::function<std::string()>& read, const std::string& what,
                          const std::atomic<bool>* stop) {
  const ChildOutput out = run_in_child(
      [&](int channel) {
        try {
          send(channel, read());
          return 0;
        } catch (const std::exception& failure) {
          send(channel, failure.what());
          return 1;
        }
      },
      "read " + what, stop);
  if (WIFSIGNALED(out.status)) throw std::runtime_error(what + ": " + crash_text(out.status));
  if (!WIFEXITED(out.status) || WEXITSTATUS(out.status) != 0) throw std::runtime_error(out.text);
  return out.text;
}

std::vector<FileVerdict> verify_files_in_child(const std::vector<std::string>& paths, const std::atomic<bool>* stop) {
  std::vector<FileVerdict> verdicts;
  while (verdicts.size() < paths.size()) {
    const ChildOutput out = run_in_child(
        [&](int channel) {
          verify_and_report(paths, verdicts.size(), channel);
          return 0;
        },
        "check " + paths[verdicts.size()], stop);
    std::istringstream lines(out.text);
    for (std::string line; std::getline(lines, line) && verdicts.size() < paths.size();) {
      FileVerdict v;
      v.path = paths[verdicts.size()];
      v.whole = line.rfind("whole ", 0) == 0;
      if (v.whole)
        v.datasets = std::stoul(line.substr(6));
      else
        v.problem = line.substr(line.find(' ') + 1);
      verdicts.push_back(std::move(v));
    }
    if (verdicts.size() == paths.size()) break;
    // The child ended before its report on the next file: reading that file killed it.
    FileVerdict crashed;
    crashed.path = paths[verdicts.size()];
    crashed.problem = WIFSIGNALED(out.status) ? crash_text(out.status)
                                              : "the check ended without a verdict (exit status " +
                                                    std::to_string(WEXITSTATUS(out.status)) + ")";
    verdicts.push_back(std::move(crashed));
  }
  return verdicts;
}

bool is_results_file(const std::string& path) {
  if (!std::filesystem::is_regular_file(path) || !has_hdf5_signature(path)) return false;
  try {
    return read_in_child([&] { return read_hdf5_attributes(path).text_of("config") ? "config" : ""; }, path) ==
           "config";
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace perfgen
