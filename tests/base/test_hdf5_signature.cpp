// has_hdf5_signature against files written here, and holds_hdf5_signature against the same bytes in
// memory: the signature at offset 0, after a 512-byte user block, and at an offset the library never
// looks at; an experiment file, an empty file, no file.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "hdf5_signature.h"
#include "temp_dir.h"

namespace perfgen {
namespace {

const std::string kSignature("\x89HDF\r\n\x1a\n", 8);

std::string written(const testing::TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(Hdf5Signature, FoundWhereTheLibraryLooksForIt) {
  testing::TempDir dir;
  EXPECT_TRUE(has_hdf5_signature(written(dir, "start.h5", kSignature + std::string(100, '\0'))));
  EXPECT_TRUE(has_hdf5_signature(written(dir, "user-block.h5", std::string(512, ' ') + kSignature)));
  EXPECT_TRUE(has_hdf5_signature(written(dir, "later.h5", std::string(2048, ' ') + kSignature)));
  EXPECT_TRUE(holds_hdf5_signature(kSignature + std::string(100, '\0')));
  EXPECT_TRUE(holds_hdf5_signature(kSignature));
  EXPECT_TRUE(holds_hdf5_signature(std::string(512, ' ') + kSignature));
  EXPECT_TRUE(holds_hdf5_signature(std::string(2048, ' ') + kSignature + "x"));
}

TEST(Hdf5Signature, NotFoundElsewhere) {
  testing::TempDir dir;
  EXPECT_FALSE(has_hdf5_signature(written(dir, "offset-100.h5", std::string(100, ' ') + kSignature)));
  EXPECT_FALSE(has_hdf5_signature(written(dir, "experiment.toml", "[train]\nlr = 0.1\n")));
  EXPECT_FALSE(has_hdf5_signature(written(dir, "cut.h5", kSignature.substr(0, 5))));
  EXPECT_FALSE(has_hdf5_signature(written(dir, "empty.h5", "")));
  EXPECT_FALSE(has_hdf5_signature(dir.file("missing.h5")));
  EXPECT_FALSE(holds_hdf5_signature(std::string(100, ' ') + kSignature));
  EXPECT_FALSE(holds_hdf5_signature("[train]\nlr = 0.1\n"));
  EXPECT_FALSE(holds_hdf5_signature(kSignature.substr(0, 5)));
  EXPECT_FALSE(holds_hdf5_signature(std::string(512, ' ') + kSignature.substr(0, 7)));
  EXPECT_FALSE(holds_hdf5_signature(""));
}

}  // namespace
}  // namespace perfgen
