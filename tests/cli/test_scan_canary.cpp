// The canary probes a scan adds for a host that answers on (nearly) every port are counted and
// timed in the summary, flagged in the records, and --no-canary turns them off.
#include <regex>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanCanary, CountedTimedFlaggedAndOptional) {
  NBC_REQUIRE_NETNS();
  Listener listener("0.0.0.0");
  ASSERT_TRUE(listener.ok());
  // The two scanned ports of 127.0.0.2 answer (redirected to the listener); every other port of it
  // drops SYNs, so each canary waits out the whole timeout.
  NBC_REQUIRE_IPTABLES(
      "-t nat -A OUTPUT -d 127.0.0.2 -p tcp --dport 1000:1001 -j REDIRECT "
      "--to-ports " +
      std::to_string(listener.port()));
  NBC_REQUIRE_IPTABLES("-A OUTPUT -d 127.0.0.2 -p tcp -j DROP");

  RunResult r = scan({"127.0.0.2", "-p", "1000,1001", "-t", "400ms", "--retries", "0",
                      "--no-progress", "--json", "--seed", "7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = json_records(r.out);
  int canaries = 0;
  for (const auto& rec : records) {
    if (rec.value("canary", false)) {
      ++canaries;
      EXPECT_EQ(rec["state"], "filtered") << rec.dump();
      EXPECT_GE(rec["port"].get<int>(), 1024) << rec.dump();
    } else {
      EXPECT_EQ(rec["state"], "open") << rec.dump();
    }
  }
  EXPECT_EQ(records.size(), 5u) << r.out;
  EXPECT_EQ(canaries, 3) << r.out;
  // The summary (on stderr with --json) counts the canaries and includes their time.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(2 ports on 1 host in ([0-9.]+) s)")))
      << r.err;
  EXPECT_GE(std::stod(m[1]), 0.39) << r.err;
  EXPECT_NE(r.err.find("3 canary probes"), std::string::npos) << r.err;

  RunResult off = scan({"127.0.0.2", "-p", "1000,1001", "-t", "400ms", "--retries", "0",
                        "--no-progress", "--json", "--no-canary"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(json_records(off.out).size(), 2u) << off.out;
  EXPECT_EQ(off.err.find("canary"), std::string::npos) << off.err;
  EXPECT_LT(off.elapsed.count(), 400) << off.err;
}

}  // namespace
}  // namespace nbc::test
