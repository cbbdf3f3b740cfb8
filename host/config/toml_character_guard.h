// A guard in front of toml++ 3.3: the characters it mishandles are refused, with their place, before
// the text reaches it.
#pragma once

#include <string>

namespace perfgen {

// Throws InputError naming source:line:column for the first code point outside a comment that toml++
// 3.3 mishandles (see toml_character_guard.cpp); escaped ones inside strings count too.
void reject_characters_toml_mishandles(const std::string& text, const std::string& source);

}  // namespace perfgen
