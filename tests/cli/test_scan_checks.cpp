// scan --expect / --tls / --http (issue 12): the checks run only on the ports the scan found open,
// after the scan, each with its own record carrying the "check" object; the summary counts them.
#include "cli.hpp"
#include "cli/test_scan_support.hpp"
#include "support/check_peers.hpp"

namespace nbc::test {
namespace {

TEST(ScanChecks, ExpectRunsOnOpenPortsOnly) {
  NBC_REQUIRE_NETNS();
  CheckServer good({"banner", "SSH-2.0-nbc-test\\r\\n"});
  CheckServer bad({"banner", "220 smtp ready\\r\\n"});
  ASSERT_TRUE(good.ok() && bad.ok());
  std::uint16_t closed = closed_port();
  std::string ports =
      std::to_string(good.port()) + "," + std::to_string(bad.port()) + "," + std::to_string(closed);
  RunResult r = scan({"127.0.0.1", "-p", ports, "--expect", "^SSH-2\\.0-", "--json",
                      "--no-progress", "--check-concurrency", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<int, nlohmann::json> checks;
  int plain = 0;
  for (const auto& rec : json_records(r.out)) {
    if (rec.contains("check")) {
      checks[rec["port"].get<int>()] = rec["check"];
    } else {
      ++plain;
    }
  }
  EXPECT_EQ(plain, 3) << "one scan record per port";
  ASSERT_EQ(checks.size(), 2u) << "a check per open port, none on the closed one: " << r.out;
  EXPECT_TRUE(checks[good.port()].value("ok", false)) << r.out;
  EXPECT_FALSE(checks[bad.port()].value("ok", true)) << r.out;
  EXPECT_EQ(checks[bad.port()].value("reason", ""), "expect-mismatch") << r.out;
  EXPECT_NE(r.err.find("; 2 checks (1 failed)"), std::string::npos) << r.err;
}

TEST(ScanChecks, BadCombinationsAreUsageErrors) {
  expect_usage_error(scan({"127.0.0.1", "-p", "80", "--expect", "x", "--csv"}), "--csv");
  expect_usage_error(scan({"127.0.0.1", "-p", "80", "--check-concurrency", "4"}),
                     "--check-concurrency");
  expect_usage_error(scan({"127.0.0.1", "-p", "80", "--expect", "x", "--udp"}), "--udp");
}

}  // namespace
}  // namespace nbc::test
