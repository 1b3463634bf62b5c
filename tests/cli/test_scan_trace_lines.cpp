// `scan -v` with two event loops: every trace line arrives whole, one write each, so lines from
// the two loops never glue together or leave empty lines behind.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanTraceLines, TwoLoopsNeverInterleave) {
  NBC_REQUIRE_NETNS();
  RunResult r = scan({"-v", "--threads", "2", "--json", "--no-progress", "127.0.0.1", "-p",
                      "1-4000", "--retries", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
  auto lines = lines_of(r.err);
  ASSERT_GT(lines.size(), 8000u);
  std::size_t empty = 0, glued = 0;
  for (const std::string& line : lines) {
    if (line.empty()) ++empty;
    // A system call's line holds one " = result"; two lines glued together hold two.
    auto first = line.find(" = ");
    if (first != std::string::npos && line.find(" = ", first + 1) != std::string::npos) ++glued;
  }
  EXPECT_EQ(empty, 0u);
  EXPECT_EQ(glued, 0u);
}

}  // namespace
}  // namespace nbc::test
