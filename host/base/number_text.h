// Numbers in messages: the shortest text that reads back as the same double. Plain digits from
// 10^-6 to 10^21 (2.5e13 as 25000000000000, 0.0001 as 0.0001), scientific form outside (-1e-30,
// 1e+30), as JavaScript prints numbers; never %f's "-0.000000" for a tiny value.
#pragma once

#include <charconv>
#include <cmath>
#include <string>

namespace perfgen {

inline std::string number_text(double v) {
  const double magnitude = std::fabs(v);
  const bool plain = !std::isfinite(v) || magnitude == 0.0 || (magnitude >= 1e-6 && magnitude < 1e21);
  char buffer[64];  // enough: plain form has at most 22 digits before and 24 after the point
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v,
                                    plain ? std::chars_format::fixed : std::chars_format::scientific);
  return std::string(buffer, result.ptr);
}

}  // namespace perfgen
