// Helpers for running the built nbconnect program in CLI tests.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "support/netns_main.hpp"
#include "support/run.hpp"

namespace nbc::test {

inline RunResult nbconnect(std::vector<std::string> args,
                           std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  args.insert(args.begin(), NBC_PROGRAM);
  return run_program(args, limit);
}

// A port on 127.0.0.1 where nothing listens.
inline std::uint16_t closed_port() {
  Listener probe("127.0.0.1");
  return probe.port();
}

// Asserts the rule for bad input (docs/outcomes.md): exit 64, nothing on stdout, exactly one line
// on stderr that names the bad word.
inline void expect_usage_error(const RunResult& r, const std::string& bad_word) {
  EXPECT_EQ(r.exit_code, 64) << r.err;
  EXPECT_EQ(r.out, "");
  auto lines = lines_of(r.err);
  EXPECT_EQ(lines.size(), 1u) << r.err;
  EXPECT_NE(r.err.find(bad_word), std::string::npos)
      << "message does not name '" << bad_word << "': " << r.err;
}

}  // namespace nbc::test
