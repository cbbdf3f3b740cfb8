#include "override_text.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace perfgen {

bool overflows_double(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0' && errno == ERANGE && std::isinf(value);
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string shown_value(const std::string& text) {
  constexpr std::size_t kShown = 80;
  if (text.size() <= kShown) return text;
  return text.substr(0, utf8_cut(text, kShown)) + "… (" + std::to_string(text.size()) + " bytes)";
}

std::size_t utf8_cut(const std::string& text, std::size_t most) {
  std::size_t cut = std::min(text.size(), most);
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

bool looks_like_a_toml_value(const std::string& text) {
  if (text.empty()) return false;
  if (std::string("[{\"'").find(text.front()) != std::string::npos) return true;
  return text.find_first_not_of("0123456789+-._eE") == std::string::npos;
}

std::size_t first_invalid_utf8(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    const std::size_t length = lead < 0x80                    ? 1
                               : lead >= 0xC2 && lead <= 0xDF ? 2
                               : lead >= 0xE0 && lead <= 0xEF ? 3
                               : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                              : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (std::size_t k = 1; k < length; ++k)
      if ((byte(i + k) & 0xC0) != 0x80) return i;
    if ((lead == 0xE0 && byte(i + 1) < 0xA0) || (lead == 0xED && byte(i + 1) >= 0xA0) ||
        (lead == 0xF0 && byte(i + 1) < 0x90) || (lead == 0xF4 && byte(i + 1) >= 0x90))
      return i;
    i += length;
  }
  return std::string::npos;
}

// A scan, not a std::regex: libstdc++'s recursion overflows the stack on long text.
bool holds_another_setting(const std::string& value) {
  if (value.empty() || value[0] == '"' || value[0] == '\'') return false;  // a string may hold anything
  auto in_key = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
  for (std::size_t eq = value.find('='); eq != std::string::npos; eq = value.find('=', eq + 1)) {
    std::size_t end = eq, begin;
    while (end > 0 && value[end - 1] == ' ') --end;
    for (begin = end; begin > 0 && in_key(value[begin - 1]);) --begin;
    const std::string key = value.substr(begin, end - begin);
    const std::size_t dot = key.find('.');
    if (begin > 0 && std::isspace(static_cast<unsigned char>(value[begin - 1])) && dot != std::string::npos &&
        dot > 0 && key.back() != '.')
      return true;
  }
  return false;
}

}  // namespace perfgen
