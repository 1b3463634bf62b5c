// Diagnostics that cannot be written (stderr full or closed) are dropped: they never change the
// exit code, and `wait -- COMMAND` still runs the command.
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

RunResult with_stderr(const std::string& redirection, const std::string& words) {
  std::string command = std::string("exec ") + NBC_PROGRAM + " " + words + " " + redirection;
  return run_program({"/bin/sh", "-c", command}, std::chrono::seconds(30));
}

TEST(StderrWriteError, WaitStillRunsTheCommand) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  std::string words = "wait 127.0.0.1:" + std::to_string(listener.port()) + " -- echo ran";
  for (const char* redirection : {"2>/dev/full", "2>&-"}) {
    RunResult r = with_stderr(redirection, words);
    EXPECT_EQ(r.exit_code, 0) << redirection << ": " << r.output();
    EXPECT_EQ(r.out, "ran\n") << redirection;
  }
}

TEST(StderrWriteError, OutcomesKeepTheirExitCodes) {
  NBC_REQUIRE_NETNS();
  std::string closed = std::to_string(closed_port());
  RunResult check = with_stderr("2>/dev/full", "check -v 127.0.0.1 " + closed);
  EXPECT_EQ(check.exit_code, 1) << check.output();
  EXPECT_NE(check.out.find("closed (conn-refused"), std::string::npos) << check.out;

  RunResult scan = with_stderr("2>/dev/full", "scan -v --json 127.0.0.1 -p 1-50 --no-progress");
  EXPECT_EQ(scan.exit_code, 0) << scan.output();
  EXPECT_EQ(lines_of(scan.out).size(), 51u);  // the plan line and 50 records

  RunResult wait = with_stderr("2>/dev/full", "wait -t 300ms 127.0.0.1:" + closed);
  EXPECT_EQ(wait.exit_code, 124) << wait.output();
}

}  // namespace
}  // namespace nbc::test
