// FNV-1a (64 bit) of a text, in hex: the files' config_hash (for a reader to tell configs apart, and for
// --resume and merge to refuse shards of another run) and the checksum of their root attributes, which
// HDF5 keeps without one of its own.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace perfgen {

inline std::string fingerprint(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ULL;  // the offset basis, then the FNV prime
  for (const unsigned char ch : text) hash = (hash ^ ch) * 1099511628211ULL;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace perfgen
