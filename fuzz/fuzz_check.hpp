// What every fuzz target shares: a property check that aborts with a message (the fuzzer keeps the
// input as a reproducer), and the shape of a good error message about bad input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace nbc::fuzz {

inline void check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property failed: %s (input of %zu bytes)\n", what, input.size());
  std::abort();
}

// One line, not empty, quoting a word (nbc::quote() puts it in single quotes).
inline void check_message(const std::string& m, std::string_view input) {
  check(!m.empty(), "empty error message", input);
  check(m.find_first_of(std::string_view("\n\r\0", 3)) == std::string::npos,
        "error message is not one line", input);
  check(m.find('\'') != std::string::npos || m.find("standard input") != std::string::npos,
        "error message quotes no word", input);
}

}  // namespace nbc::fuzz
