// With RLIMIT_NOFILE at 128, a 20,000-port scan with sockets left waiting completes with the right
// states and no error: the window follows the descriptor limit, and EMFILE (when -c asks for more
// than the limit allows) is backed off from, never reported.
#include <regex>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

void expect_right_states(const RunResult& r, const std::set<int>& listening, int drop_last) {
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto probes = csv_probes(r.out);
  ASSERT_EQ(probes.size(), 20000u);
  for (const auto& [key, rec] : probes) {
    int port = key.second;
    std::string expected = listening.count(port)                  ? "open"
                           : (port >= 10001 && port <= drop_last) ? "filtered"
                                                                  : "closed";
    ASSERT_EQ(rec.at("state"), expected) << describe(rec);
  }
}

TEST(ScanFdLimit, TwentyThousandPortsUnder128Descriptors) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1", 1000), b("127.0.0.1", 15000);
  ASSERT_TRUE(a.ok() && b.ok());
  // 300 dropped ports keep sockets open for the whole timeout: more than 128 of them at once.
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 10001:10300 -j DROP");
  RunResult r =
      run_program({"/usr/bin/prlimit", "--nofile=128:128", "--", NBC_PROGRAM, "scan", "127.0.0.1",
                   "-p", "1-20000", "-t", "200ms", "--retries", "0", "--csv", "--no-progress"});
  expect_right_states(r, {1000, 15000}, 10300);
}

TEST(ScanFdLimit, ConcurrencyAboveTheLimitBacksOffInsteadOfFailing) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1", 1000);
  ASSERT_TRUE(a.ok());
  // 400 dropped ports started back to back (serial order) with -c 1000: far more sockets wanted
  // at once than the 128 descriptors allow, whatever the speed of the machine.
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 10001:10400 -j DROP");
  RunResult r =
      run_program({"/usr/bin/prlimit", "--nofile=128:128", "--", NBC_PROGRAM, "scan", "127.0.0.1",
                   "-p", "1-50,1000,10001-10400", "-t", "250ms", "--retries", "0", "-c", "1000",
                   "--order", "serial", "--csv", "--no-progress", "-v"});
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(r.err.size() > 2000 ? r.err.size() - 2000 : 0);
  auto probes = csv_probes(r.out);
  ASSERT_EQ(probes.size(), 451u);
  for (const auto& [key, rec] : probes) {
    int port = key.second;
    std::string expected = port == 1000 ? "open" : port > 10000 ? "filtered" : "closed";
    ASSERT_EQ(rec.at("state"), expected) << describe(rec);
  }
  // The run really met EMFILE and retried: -v says how often.
  EXPECT_NE(r.err.find("EMFILE"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"((\d+) retried after a local error)")));
  EXPECT_GT(std::stoi(m[1]), 0);
}

}  // namespace
}  // namespace nbc::test
