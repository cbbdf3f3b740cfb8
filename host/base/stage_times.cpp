#include "stage_times.h"

#include <cstdio>

namespace perfgen {

std::string StageTimes::report() const {
  std::string text;
  for (int s = 0; s < static_cast<int>(Stage::count); ++s) {
    const double t = seconds(static_cast<Stage>(s));
    if (t <= 0) continue;
    char part[64];
    std::snprintf(part, sizeof part, "%s%s %.2f s", text.empty() ? "" : ", ", stage_name(static_cast<Stage>(s)), t);
    text += part;
  }
  return text;
}

}  // namespace perfgen
