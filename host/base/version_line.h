// "perfgen VERSION (REVISION, BUILD TYPE)": the first line of `perfgen info` and all of `perfgen --version`.
#pragma once

#include <string>

#include "build_info.h"

namespace perfgen {

inline std::string version_line() {
  return std::string("perfgen ") + kVersion + " (" + kGitRevision + ", " + kBuildType + ")";
}

}  // namespace perfgen
