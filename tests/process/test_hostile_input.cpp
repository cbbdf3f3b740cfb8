// A corpus of bad experiment files (tests/data/bad): each is rejected by the binary with exit code 2
// and a message naming what is wrong (the file's first line, "# expect: …"), never with a crash, a
// hang (20 s limit) or an attempt to take more than 4 GiB of memory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace perfgen
