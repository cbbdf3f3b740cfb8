// One chunk of a dataset encoded as HDF5's shuffle, deflate and Fletcher-32 filters encode it, so that
// chunks can be compressed on many threads and written raw (H5Dwrite_chunk): the library's own
// filter pipeline runs on the calling thread only. Readers decode and check them with the filters
// named in the dataset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace perfgen {

// HDF5's shuffle filter: byte j of element i goes to j · elements + i. Elements of one byte are left as
// they are, as the library leaves them.
std::vector<unsigned char> shuffle_bytes(const std::vector<unsigned char>& bytes, std::size_t element_size);

// zlib's compress2 at `level`, as HDF5's deflate filter calls it.
std::vector<unsigned char> deflate_bytes(const std::vector<unsigned char>& bytes, int level);

// HDF5's Fletcher-32 checksum of `bytes` (its H5_checksum_fletcher32: 16-bit big-endian words, sums
// folded every 360 words), and the filter's output: the bytes with the checksum appended little-endian.
std::uint32_t fletcher32(const std::vector<unsigned char>& bytes);
std::vector<unsigned char> append_fletcher32(std::vector<unsigned char> bytes);

}  // namespace perfgen
