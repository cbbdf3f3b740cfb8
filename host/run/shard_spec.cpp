#include "shard_spec.h"

#include <limits>
#include <sstream>

#include "errors.h"

namespace perfgen {

ShardSpec parse_shard(const std::string& text) {
  if (text.empty()) return {};
  ShardSpec spec;
  spec.worker = true;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> spec.index >> slash >> spec.count) || slash != '/' || !in.eof() || spec.count < 1 || spec.index < 0 ||
      spec.index >= spec.count)
    throw InputError("--shard", "expected i/K with 0 <= i < K, got \"" + text + "\"");
  // K is written into lock file names and read back as an int.
  if (spec.count > std::numeric_limits<int>::max())
    throw InputError("--shard",
                     "K must be at most " + std::to_string(std::numeric_limits<int>::max()) + ", got \"" + text + "\"");
  return spec;
}

std::string shard_text(const ShardSpec& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

}  // namespace perfgen
