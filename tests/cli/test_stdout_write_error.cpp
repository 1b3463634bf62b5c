// A write to stdout that fails (a full disk, a reader that went away while SIGPIPE is ignored) is
// one line on stderr and exit 74 (EX_IOERR, docs/outcomes.md), and the program stops at once
// instead of working on for nobody.
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

RunResult to_dev_full(const std::string& words) {
  std::string command = std::string("exec ") + NBC_PROGRAM + " " + words + " >/dev/full";
  return run_program({"/bin/sh", "-c", command}, std::chrono::seconds(30));
}

void expect_write_error(const RunResult& r) {
  EXPECT_EQ(r.exit_code, 74) << r.output();
  auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_NE(lines[0].find("stdout"), std::string::npos) << r.err;
}

TEST(StdoutWriteError, EverySubcommandToDevFull) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  std::string open = "127.0.0.1:" + std::to_string(listener.port());
  std::string closed = std::to_string(closed_port());
  expect_write_error(to_dev_full("check 127.0.0.1 " + closed));
  expect_write_error(to_dev_full("check --json 127.0.0.1 " + closed));
  expect_write_error(to_dev_full("scan 127.0.0.1 -p 1-100 --no-progress"));
  expect_write_error(to_dev_full("scan 127.0.0.1 -p 1-100 --json --no-progress"));
  expect_write_error(to_dev_full("ping -c 2 -i 10ms " + open));
  expect_write_error(to_dev_full("wait --json " + open));
  expect_write_error(to_dev_full("lab --list"));
}

TEST(StdoutWriteError, LargeScanStopsAtTheFirstFailedWrite) {
  NBC_REQUIRE_NETNS();
  // 2,000 ports at 200 per second would take 10 s; a failed write ends it long before.
  RunResult r = to_dev_full("scan 127.0.0.1 -p 1-2000 --rate 200 --csv --no-progress");
  expect_write_error(r);
  EXPECT_LT(r.elapsed.count(), 3000) << "went on after stdout failed";
}

TEST(StdoutWriteError, PingStopsWhenTheReaderGoesAwayWithSigpipeIgnored) {
  NBC_REQUIRE_NETNS();
  std::string target = "127.0.0.1:" + std::to_string(closed_port());
  // The shell ignores SIGPIPE for nbconnect; its exit code is written where head does not read.
  // timeout(1) ends a ping that never notices (137), so that nothing outlives the test.
  std::string command = std::string("trap '' PIPE; { timeout -s KILL 10 ") + NBC_PROGRAM +
                        " ping -i 20ms " + target + "; echo \"exit=$?\" >&2; } | head -2";
  RunResult r = run_program({"/bin/sh", "-c", command}, std::chrono::seconds(30));
  ASSERT_FALSE(r.timed_out) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), 2u) << r.out;
  EXPECT_NE(r.err.find("exit=74"), std::string::npos) << r.err;
  EXPECT_EQ(count_of(r.err, "stdout"), 1u) << r.err;
}

}  // namespace
}  // namespace nbc::test
