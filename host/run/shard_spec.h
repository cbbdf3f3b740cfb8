// Which batches a process trains (--shard i/K, or its MPI rank).
#pragma once

#include <cstdint>
#include <string>

namespace perfgen {

// Which batches this process trains: those with batch % count == index. A worker (--shard i/K, an MPI
// rank) shares the store with the others and leaves the merge to `perfgen merge` or rank 0.
struct ShardSpec {
  std::int64_t index = 0;
  std::int64_t count = 1;
  bool worker = false;
  bool owns(std::int64_t batch) const { return batch % count == index; }
};

// "i/K" with 0 ≤ i < K, a worker; InputError naming --shard otherwise (empty text too: `--shard "$I/$K"`
// with unset variables must not train the whole sweep).
ShardSpec parse_shard(const std::string& text);
// "i/K", as --shard takes it.
std::string shard_text(const ShardSpec& shard);

}  // namespace perfgen
