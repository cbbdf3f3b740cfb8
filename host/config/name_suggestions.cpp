#include "name_suggestions.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <utility>

namespace perfgen {
namespace {

// Edit distance between two names, case ignored, a swap of neighbours counting one ("widht" is 1
// from "width"): optimal string alignment.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  };
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// `longer` is `shorter` with words added before or after it: lr_rate and lr, data_seed and seed.
bool extends_by_words(const std::string& longer, const std::string& shorter) {
  if (shorter.empty() || longer.size() <= shorter.size() + 1) return false;
  const std::size_t tail = longer.size() - shorter.size();
  return (longer.compare(0, shorter.size(), shorter) == 0 && longer[shorter.size()] == '_') ||
         (longer.compare(tail, shorter.size(), shorter) == 0 && longer[tail - 1] == '_');
}

}  // namespace

std::string listed(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return text;
}

std::vector<std::string> closest_names(const std::string& unknown, const std::vector<std::string>& known) {
  if (unknown.size() > 64) return {};  // no known name is near that long (and the distances cost length²)
  std::vector<std::pair<std::size_t, std::string>> close;  // (distance, name), in the order of `known`
  for (const std::string& name : known) {
    const std::size_t distance = edit_distance(unknown, name);
    if (distance <= std::max(unknown.size(), name.size()) / 3 || extends_by_words(unknown, name) ||
        extends_by_words(name, unknown))
      close.emplace_back(distance, name);
  }
  std::stable_sort(close.begin(), close.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  // Three at most, but never one of several at the same distance without the others: the order of
  // `known` must not decide which of equals is shown.
  std::size_t kept = std::min<std::size_t>(close.size(), 3);
  while (kept < close.size() && close[kept].first == close[kept - 1].first) ++kept;
  close.resize(kept);
  std::vector<std::string> names;
  for (const auto& entry : close) names.push_back(entry.second);
  return names;
}

std::string suggesting(const std::vector<std::string>& names) {
  return names.empty() ? "" : "; did you mean " + listed(names) + "?";
}

std::string did_you_mean(const std::string& unknown, const std::vector<std::string>& known,
                         const std::function<std::string(const std::string&)>& show) {
  std::vector<std::string> shown;
  for (const std::string& name : closest_names(unknown, known)) shown.push_back(show(name));
  return suggesting(shown);
}

}  // namespace perfgen
