#include "hdf5_signature.h"

#include <cstdint>
#include <cstring>
#include <fstream>

namespace perfgen {

namespace {

constexpr char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};

// Whether the signature is at offset 0, 512, 1024, …: read_at(offset, head) fills the 8 bytes there,
// false past the end.
template <class ReadAt>
bool signature_found(ReadAt read_at) {
  char head[sizeof kSignature];
  for (std::uint64_t offset = 0; read_at(offset, head); offset = offset == 0 ? 512 : 2 * offset)
    if (std::memcmp(head, kSignature, sizeof head) == 0) return true;
  return false;
}

}  // namespace

bool has_hdf5_signature(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return signature_found([&](std::uint64_t offset, char* head) {
    return static_cast<bool>(in.seekg(static_cast<std::streamoff>(offset))) &&
           static_cast<bool>(in.read(head, sizeof kSignature));
  });
}

bool holds_hdf5_signature(std::string_view bytes) {
  return signature_found([&](std::uint64_t offset, char* head) {
    if (offset > bytes.size() || bytes.size() - offset < sizeof kSignature) return false;
    std::memcpy(head, bytes.data() + offset, sizeof kSignature);
    return true;
  });
}

}  // namespace perfgen
