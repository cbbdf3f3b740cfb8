// Runs the perfgen binary (PERFGEN_BINARY, set by CMake) or another program as a child process.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hdf5_io.h"
#include "test_support.h"

namespace perfgen::testing {

// perfgen with the given arguments, stdout and stderr into `log`.
class Process {
 public:
  Process(std::vector<std::string> args, const std::string& log) : Process(PERFGEN_BINARY, std::move(args), log) {}
  // Any program (e.g. mpirun) with the given arguments; a memory limit (bytes of address space) turns
  // an attempt to exhaust memory into a failure of the child alone.
  Process(const std::string& program, std::vector<std::string> args, const std::string& log,
          rlim_t memory_limit = RLIM_INFINITY) {
    pid_ = fork();
    if (pid_ == 0) {
#ifndef __SANITIZE_ADDRESS__  // ASan reserves terabytes of address space for its shadow memory
      const rlimit limit{memory_limit, memory_limit};
      setrlimit(RLIMIT_AS, &limit);
#endif
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> argv{const_cast<char*>(program.c_str())};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(program.c_str(), argv.data());
      _exit(127);
    }
  }
  void signal(int sig) const { kill(pid_, sig); }
  pid_t pid() const { return pid_; }
  // Exit code, or 128 + signal; -1 if it did not end within the timeout (then it is killed).
  int wait(double timeout_seconds) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace perfgen::testing
