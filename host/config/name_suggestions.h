// Naming what the user may have meant: a list of names in prose, and the known names close to an
// unknown one (the experiment file's keys, sections, values and axis forms).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace perfgen {

// "a, b or c"
std::string listed(const std::vector<std::string>& names);

// The known names close to `unknown`, the closest first: three, or more where names tie with the
// third. Close: a few edits for its length (at most a third of the longer name, so "x" suggests
// nothing for "n"), or the same name with words added or dropped (lr_rate: lr).
std::vector<std::string> closest_names(const std::string& unknown, const std::vector<std::string>& known);

// "; did you mean X?" (or "X or Y", "X, Y or Z"); empty for no names.
std::string suggesting(const std::vector<std::string>& names);

// suggesting() the closest_names, each as show(name) writes it.
std::string did_you_mean(
    const std::string& unknown, const std::vector<std::string>& known,
    const std::function<std::string(const std::string&)>& show = [](const std::string& name) { return name; });

}  // namespace perfgen
