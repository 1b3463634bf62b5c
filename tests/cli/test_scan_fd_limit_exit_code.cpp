// With so few descriptors that the scan cannot even open its event loops, it says so as a local
// shortage: exit 4 and local-resources, as check does, never 70 (an internal error).
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

// Runs nbconnect with 4 descriptors: 0-2 and one more. Descriptors the test inherited (ctest's
// log) are closed first, or the program could not even load its libraries.
RunResult with_four_descriptors(const std::string& words) {
  std::string command = std::string("exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; exec ") +
                        "/usr/bin/prlimit --nofile=4:4 -- " + NBC_PROGRAM + " " + words;
  return run_program({"/bin/sh", "-c", command});
}

TEST(ScanFdLimitExitCode, LocalResourcesNotInternalError) {
  NBC_REQUIRE_NETNS();
  RunResult r = with_four_descriptors("scan 127.0.0.1 -p 1-10 --no-progress");
  EXPECT_EQ(r.exit_code, 4) << r.output();
  auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_NE(lines[0].find("local-resources"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal"), std::string::npos) << r.err;

  RunResult check = with_four_descriptors("check 127.0.0.1 " + std::to_string(closed_port()));
  EXPECT_EQ(check.exit_code, 4) << check.output();
}

}  // namespace
}  // namespace nbc::test
