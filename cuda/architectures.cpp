#include "architectures.h"

#include <cctype>
#include <sstream>
#include <stdexcept>

namespace perfgen::cuda {

BuiltArchitectures parse_architectures(const std::string& list) {
  BuiltArchitectures built;
  std::string separated = list;
  for (char& c : separated)
    if (c == ',') c = ';';  // the build passes the CMake list with commas
  std::istringstream entries(separated);
  for (std::string entry; std::getline(entries, entry, ';');) {
    if (entry.empty()) continue;
    std::size_t digits = 0;
    while (digits < entry.size() && std::isdigit(static_cast<unsigned char>(entry[digits]))) ++digits;
    if (digits == 0) throw std::invalid_argument("CUDA architecture \"" + entry + "\" has no number");
    const int arch = std::stoi(entry.substr(0, digits));
    std::string kind = entry.substr(digits);
    const char variant = !kind.empty() && kind.front() != '-' ? kind.front() : '\0';  // "90a", "100f"
    if (variant) kind = kind.substr(1);
    if ((variant && variant != 'a' && variant != 'f') || (!kind.empty() && kind != "-real" && kind != "-virtual"))
      throw std::invalid_argument("CUDA architecture \"" + entry + "\": unknown suffix");
    if (variant == 'a') {
      built.arch_specific.push_back(arch);
    } else if (variant == 'f') {
      built.family_specific.push_back(arch);
    } else {
      if (kind.empty() || kind == "-real") built.native.push_back(arch);
      if (kind.empty() || kind == "-virtual") built.ptx.push_back(arch);
    }
  }
  return built;
}

const BuiltArchitectures& built_architectures() {
  static const BuiltArchitectures built = parse_architectures(PERFGEN_CUDA_ARCHITECTURES);
  return built;
}

bool runs_on(const BuiltArchitectures& built, int major, int minor) {
  const int device = 10 * major + minor;
  for (int arch : built.native)
    if (arch / 10 == major && arch % 10 <= minor) return true;
  for (int arch : built.ptx)
    if (arch <= device) return true;
  for (int arch : built.arch_specific)
    if (arch == device) return true;
  for (int arch : built.family_specific)
    if (arch / 10 == major && arch % 10 <= minor) return true;
  return false;
}

std::string describe(const BuiltArchitectures& built) {
  std::string text;
  for (int arch : built.native) text += (text.empty() ? "sm_" : ", sm_") + std::to_string(arch);
  for (int arch : built.arch_specific) text += (text.empty() ? "sm_" : ", sm_") + std::to_string(arch) + "a";
  for (int arch : built.family_specific) text += (text.empty() ? "sm_" : ", sm_") + std::to_string(arch) + "f";
  for (int arch : built.ptx) text += (text.empty() ? "PTX compute_" : " and PTX compute_") + std::to_string(arch);
  return text.empty() ? "no CUDA code" : text;
}

}  // namespace perfgen::cuda
