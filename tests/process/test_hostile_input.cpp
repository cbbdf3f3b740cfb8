// A corpus of bad experiment files (tests/data/bad): each is rejected by the binary with exit code 2
// and a message naming what is wrong (the file's first line, "# expect: …"), never with a crash, a
// hang (20 s limit) or an attempt to take more than 4 GiB of memory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "available_memory.h"
#include "child_process.h"
#include "test_support.h"

namespace perfgen {
namespace {

TEST(HostileInput, EveryBadFileIsRejectedWithExitTwoAndAMessage) {
  testing::TempDir dir;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(PERFGEN_BAD_INPUTS)) {
    const std::string path = entry.path().string();
    SCOPED_TRACE(entry.path().filename().string());
    std::ifstream in(path);
    std::string first_line;
    std::getline(in, first_line);
    ASSERT_EQ(first_line.rfind("# expect: ", 0), 0u) << "each bad file starts with # expect: <text>";
    const std::string expected = first_line.substr(10);
    const std::string log = dir.file("bad.log");
    const int code = testing::Process(PERFGEN_BINARY, {"run", path, "-o", dir.file("never.h5"), "--backend", "cpu"},
                                      log, rlim_t{4} << 30)
                         .wait(20);
    const std::string message = testing::read_file(log);
    EXPECT_EQ(code, 2) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_FALSE(std::filesystem::exists(dir.file("never.h5")));
    ++files;
  }
  EXPECT_GE(files, 20);
  testing::report_reliability("bad experiment files: " + std::to_string(files) +
                              " tried, each refused with exit 2 and a message naming the problem");
}

// Standard input that is a folder or closed reads as nothing, which passed as the all-defaults
// experiment (and trained it): refused, exit 2.
TEST(HostileInput, StandardInputThatCannotBeReadIsRefused) {
  testing::TempDir dir;
  for (const auto& [redirect, message] : std::vector<std::pair<std::string, std::string>>{
           {" < " + dir.path().string(), "it is a directory"}, {" <&-", "Bad file descriptor"}}) {
    const std::string log = dir.file("stdin.log");
    const int code =
        testing::Process("/bin/sh", {"-c", std::string(PERFGEN_BINARY) + " plan -" + redirect}, log).wait(30);
    EXPECT_EQ(code, 2) << testing::read_file(log);
    EXPECT_EQ(testing::read_file(log),
              "perfgen: error: cannot read the experiment from standard input: " + message + "\n");
  }
}

// An experiment from a FIFO or a pipe is read once: perfgen opened the file twice (once for the HDF5
// signature), and the second open of a FIFO waited forever for a writer that had gone. A results file
// on standard input is named as such, not reported as a character TOML does not take.
TEST(HostileInput, AFifoIsReadOnceAndAResultsFileOnStandardInputIsNamed) {
  testing::TempDir dir;
  const std::string fifo = dir.file("experiment.fifo"), log = dir.file("fifo.log");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string writer = "printf '[train]\\nmax_iters = 10\\n' > " + fifo + " & ";
  // exec: a perfgen that hangs is the process the wait kills.
  int code = testing::Process("/bin/sh", {"-c", writer + "exec " + PERFGEN_BINARY + " plan " + fifo}, log).wait(20);
  EXPECT_EQ(code, 0) << "exit " << code << " (-1: it hung): " << testing::read_file(log);
  EXPECT_NE(testing::read_file(log).find("trials"), std::string::npos) << testing::read_file(log);

  const std::string results = dir.file("results.h5");
  ASSERT_EQ(testing::Process({"run", "--backend", "cpu", "--quiet", "--set", "train.max_iters=1", "--set",
                              "sweep.n=[2]", "-o", results},
                             dir.file("run.log"))
                .wait(60),
            0)
      << testing::read_file(dir.file("run.log"));
  code = testing::Process("/bin/sh", {"-c", std::string(PERFGEN_BINARY) + " plan - < " + results}, log).wait(20);
  EXPECT_EQ(code, 2) << testing::read_file(log);
  EXPECT_EQ(testing::read_file(log),
            "perfgen: error: <stdin> is an HDF5 file (a results file?), not an experiment file\n");
}

// A sweep that fits the machine but not the process's address-space limit (ulimit -v) is refused before
// any work, naming that limit: it was checked against MemAvailable alone, started, and failed with
// "std::bad_alloc", leaving an unfinished run behind.
TEST(HostileInput, ASweepAboveTheAddressSpaceLimitIsRefusedNamingIt) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan reserves terabytes of address space: no address-space limit can be set under it";
#endif
  // The limit must be the least figure: a machine, cgroup or shell with less room is named instead.
  if (const AvailableMemory room = available_memory(); room.bytes < 4.0 * (1 << 30))
    GTEST_SKIP() << "only " << room.bytes / (1 << 30) << " GiB available (" << room.limited_by
                 << "): the test's 3 GiB address-space limit would not be the least";
  testing::TempDir dir;
  const std::string log = dir.file("limit.log"), output = dir.file("wide.h5"), experiment = dir.file("wide.toml");
  // About 6 GiB by perfgen's estimate (one trial of width 20000 on 1000 inputs), under a 3 GiB limit.
  std::ofstream(experiment) << "[model]\nwidth = 20000\ninput_dim = 1000\n[data]\ndistribution = \"gaussian\"\n"
                               "[train]\nmax_iters = 1\n";
  const int code =
      testing::Process(PERFGEN_BINARY, {"run", experiment, "--backend", "cpu", "-o", output}, log, rlim_t{3} << 30)
          .wait(60);
  const std::string message = testing::read_file(log);
  EXPECT_EQ(code, 2) << message;
  EXPECT_NE(message.find("is available (under its address-space limit, ulimit -v); split the sweep"), std::string::npos)
      << message;
  EXPECT_FALSE(std::filesystem::exists(output));
  EXPECT_FALSE(std::filesystem::exists(output + ".shards"));
}

// A results file this user may not read is named as such by summary and verify (exit 1), not taken
// for an experiment file for lacking the HDF5 signature it could not be read for. As root (who reads
// every file) the commands run as nobody, through setpriv.
TEST(HostileInput, AResultsFileThisUserMayNotReadIsNamedSo) {
  testing::TempDir dir;
  const std::string results = dir.file("private.h5");
  ASSERT_EQ(testing::Process({"run", "--backend", "cpu", "--threads", "1", "--quiet", "--set", "train.max_iters=10",
                              "--set", "sweep.n=[2]", "-o", results},
                             dir.file("run.log"))
                .wait(60),
            0)
      << testing::read_file(dir.file("run.log"));
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);  // others may enter the folder
  std::filesystem::permissions(results, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const bool root = geteuid() == 0;
  if (root && !std::filesystem::exists("/usr/bin/setpriv"))
    GTEST_SKIP() << "running as root without /usr/bin/setpriv (util-linux) to drop to nobody";
  for (const std::string command : {"summary", "verify"}) {
    const std::string log = dir.file(command + ".log");
    const int code =
        root ? testing::Process("/usr/bin/setpriv",
                                {"--reuid=65534", "--regid=65534", "--clear-groups", PERFGEN_BINARY, command, results},
                                log)
                   .wait(30)
             : testing::Process({command, results}, log).wait(30);
    EXPECT_EQ(code, 1) << testing::read_file(log);
    EXPECT_EQ(testing::read_file(log), "perfgen: error: " + results + " cannot be opened: Permission denied\n");
  }
}

}  // namespace
}  // namespace perfgen
