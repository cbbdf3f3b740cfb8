#include "chunk_codec.h"

#include <zlib.h>

#include <stdexcept>

namespace perfgen {

std::vector<unsigned char> shuffle_bytes(const std::vector<unsigned char>& bytes, std::size_t element_size) {
  if (element_size <= 1) return bytes;
  const std::size_t elements = bytes.size() / element_size;
  std::vector<unsigned char> shuffled(bytes.size());
  for (std::size_t i = 0; i < elements; ++i)
    for (std::size_t j = 0; j < element_size; ++j) shuffled[j * elements + i] = bytes[i * element_size + j];
  // Bytes past the last whole element stay at the end (the library copies them the same way).
  for (std::size_t k = elements * element_size; k < bytes.size(); ++k) shuffled[k] = bytes[k];
  return shuffled;
}

std::vector<unsigned char> deflate_bytes(const std::vector<unsigned char>& bytes, int level) {
  uLongf size = compressBound(static_cast<uLong>(bytes.size()));
  std::vector<unsigned char> compressed(size);
  if (compress2(compressed.data(), &size, bytes.data(), static_cast<uLong>(bytes.size()), level) != Z_OK)
    throw std::runtime_error("deflate of a chunk failed");
  compressed.resize(size);
  return compressed;
}

}  // namespace perfgen
