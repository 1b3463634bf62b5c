// Test support: runs a program as a user would, capturing exit code, stdout and stderr.
#pragma once

#include <string>
#include <vector>

#include "lab/sandbox.hpp"

namespace nbc::test {

// Runs argv (argv[0] is the program path) with stdin from /dev/null; kills it (SIGKILL) after
// the time limit, so a test never hangs. The lab's sandbox runs its tools the same way.
using sandbox::run_program;
using sandbox::RunResult;

// Splits text into lines (without the newlines).
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace nbc::test
