// The text of a --set value before toml++ reads it: what it looks like, where it is not UTF-8, and how
// a message repeats it. Plain string work; host/config/experiment_file.cpp applies the override.
#pragma once

#include <cstddef>
#include <string>

namespace perfgen {

// A number too large for a double (1e400), which toml++ refuses and would otherwise become a string.
bool overflows_double(const std::string& text);

// The text without leading and trailing spaces and tabs.
std::string trimmed(const std::string& text);

// A value as an error message repeats it: whole up to 80 bytes, else its start and its length (a
// generated --set value may be megabytes).
std::string shown_value(const std::string& text);

// The largest length ≤ most at which text can be cut without splitting a UTF-8 character.
std::size_t utf8_cut(const std::string& text, std::size_t most);

// Text that TOML would read as an array, table or string if it were written right, or a number
// (digits, signs, points, exponents); "2025-01-sweep" or "rational" is a bare word.
bool looks_like_a_toml_value(const std::string& text);

// Where the first byte lies that does not begin or continue a well-formed UTF-8 character (overlong
// forms, surrogates and code points above U+10FFFF included), or npos. TOML text must be UTF-8;
// toml++ checks a parsed value, but a bare word is inserted as it is.
std::size_t first_invalid_utf8(const std::string& text);

// Whether an unquoted --set value goes on with another ` section.key=`, as in --set 'train.lr=0.1
// train.max_iters=5'.
bool holds_another_setting(const std::string& value);

}  // namespace perfgen
