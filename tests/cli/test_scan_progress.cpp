// The progress line appears on stderr only when stderr is a terminal, and --no-progress hides it.
#include <regex>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

// Runs the scan under script(1), which gives it a pseudo-terminal; returns what the terminal saw.
std::string on_terminal(const std::string& extra) {
  std::string command = std::string("script -qfec '") + NBC_PROGRAM +
                        " scan 127.0.0.1 -p 1-2000 -t 700ms --retries 0 " + extra + "' /dev/null";
  RunResult r = run_program({"/bin/sh", "-c", command}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

TEST(ScanProgress, ShownOnATerminalOnly) {
  NBC_REQUIRE_NETNS();
  // Dropped ports keep the scan running long enough for a progress tick.
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 1500:1509 -j DROP");
  std::string tty = on_terminal("");
  EXPECT_NE(tty.find("/2000 ports ("), std::string::npos) << tty;
  EXPECT_NE(tty.find(" in flight, ETA "), std::string::npos) << tty;
  EXPECT_NE(tty.find("\r\x1b[K"), std::string::npos) << "the line is rewritten in place";
  std::string hidden = on_terminal("--no-progress");
  EXPECT_EQ(hidden.find("ETA"), std::string::npos) << hidden;
  EXPECT_NE(hidden.find("2000 ports on 1 host"), std::string::npos) << hidden;
  RunResult piped = scan({"127.0.0.1", "-p", "1-2000", "-t", "700ms", "--retries", "0"});
  EXPECT_EQ(piped.err.find("ETA"), std::string::npos) << piped.err;
}

// While only dropped ports are left, the ETA counts down their timeouts instead of saying 0.
TEST(ScanProgress, EtaCountsTheTimeoutsOfTheProbesInFlight) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 1500:1509 -j DROP");
  struct RuleGone {  // tests run in one process share the namespace and its rules
    ~RuleGone() { iptables("-D INPUT -p tcp --dport 1500:1509 -j DROP"); }
  } gone;
  std::string command = std::string("script -qfec '") + NBC_PROGRAM +
                        " scan 127.0.0.1 -p 1500-1509 -t 900ms --retries 0' /dev/null";
  RunResult r = run_program({"/bin/sh", "-c", command}, std::chrono::seconds(30));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::regex line(R"((\d+) in flight, ETA (\d+\.\d)s)");
  int waiting_lines = 0;
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), line);
       it != std::sregex_iterator(); ++it) {
    int in_flight = std::stoi((*it)[1]);
    double eta = std::stod((*it)[2]);
    // All ten once started; a line drawn while a loaded machine is still starting them shows fewer.
    EXPECT_GE(in_flight, 1) << r.out;
    EXPECT_LE(in_flight, 10) << r.out;
    EXPECT_LE(eta, 0.9) << r.out;
    if (eta >= 0.2) ++waiting_lines;  // the old ETA, from completions only, said 0.0s
  }
  // A line every 100 ms of a 900 ms scan: the early ones have most of the wait ahead.
  EXPECT_GE(waiting_lines, 1) << r.out;
}

}  // namespace
}  // namespace nbc::test
