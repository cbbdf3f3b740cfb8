#include "hdf5_signature.h"

#include <cstring>
#include <fstream>

namespace perfgen {

bool has_hdf5_signature(const std::string& path) {
  static constexpr char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  std::ifstream in(path, std::ios::binary);
  for (std::streamoff offset = 0; in; offset = offset == 0 ? 512 : 2 * offset) {
    char head[sizeof kSignature];
    if (!in.seekg(offset) || !in.read(head, sizeof head)) return false;
    if (std::memcmp(head, kSignature, sizeof head) == 0) return true;
  }
  return false;
}

}  // namespace perfgen
