// The current time as ISO 8601 UTC text ("2026-12-02T01:13:44Z"), for files and lock files.
#pragma once

#include <ctime>
#include <string>

namespace perfgen {

inline std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);  // gmtime's static buffer would race with other threads
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace perfgen
