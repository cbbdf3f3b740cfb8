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

std::uint32_t fletcher32(const std::vector<unsigned char>& bytes) {
  std::uint32_t sum1 = 0, sum2 = 0;
  std::size_t words = bytes.size() / 2;
  const unsigned char* data = bytes.data();
  while (words > 0) {
    std::size_t block = words > 360 ? 360 : words;  // no overflow of the 32-bit sums before folding
    words -= block;
    do {
      sum1 += static_cast<std::uint32_t>(data[0]) << 8 | data[1];
      data += 2;
      sum2 += sum1;
    } while (--block);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (bytes.size() % 2) {  // an odd last byte counts as the high half of a word
    sum1 += static_cast<std::uint32_t>(*data) << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return sum2 << 16 | sum1;
}

std::vector<unsigned char> append_fletcher32(std::vector<unsigned char> bytes) {
  const std::uint32_t sum = fletcher32(bytes);
  for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<unsigned char>(sum >> shift));
  return bytes;
}

}  // namespace perfgen
