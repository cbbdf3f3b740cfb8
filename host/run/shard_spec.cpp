#include "shard_spec.h"

#include <limits>
#include <regex>

#include "errors.h"
#include "override_text.h"

namespace perfgen {

ShardSpec parse_shard(const std::string& text) {
  ShardSpec spec;
  spec.worker = true;
  // Digits only, the form perfgen prints it in (no sign, space or leading zero); at most 18 of them,
  // so that std::stoll cannot overflow.
  const std::regex written_form("(0|[1-9][0-9]{0,17})/([1-9][0-9]{0,17})");
  const InputError not_a_shard("--shard", "expected i/K with 0 <= i < K, got \"" + shown_value(text) + "\"");
  std::smatch parts;
  if (!std::regex_match(text, parts, written_form)) throw not_a_shard;
  spec.index = std::stoll(parts[1].str());
  spec.count = std::stoll(parts[2].str());
  if (spec.index >= spec.count) throw not_a_shard;
  // K is written into lock file names and read back as an int.
  if (spec.count > std::numeric_limits<int>::max())
    throw InputError("--shard", "K must be at most " + std::to_string(std::numeric_limits<int>::max()) + ", got \"" +
                                    shown_value(text) + "\"");
  return spec;
}

std::string shard_text(const ShardSpec& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

}  // namespace perfgen
