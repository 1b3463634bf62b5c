// --method zero-read can call a closed port open: it is warned about on stderr every time (not
// only under -v), marked unreliable in --help, and every JSON record names its method.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

constexpr const char* kWarning = "zero-read is unreliable";

TEST(MethodZeroRead, WarnedEveryTimeAndNamedInEveryRecord) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  RunResult check = nbconnect({"--method", "zero-read", "127.0.0.1", port});
  EXPECT_NE(check.err.find(kWarning), std::string::npos) << check.err;

  RunResult json = nbconnect({"--json", "--method", "zero-read", "127.0.0.1", port});
  EXPECT_NE(json.err.find(kWarning), std::string::npos) << json.err;
  auto records = json_records(json.out);
  ASSERT_EQ(records.size(), 1u) << json.out;
  EXPECT_EQ(records[0]["method"], "zero-read") << json.out;

  RunResult scanned = scan({"127.0.0.1", "-p", port, "--method", "zero-read", "--json"});
  EXPECT_EQ(scanned.exit_code, 0) << scanned.err;
  EXPECT_NE(scanned.err.find(kWarning), std::string::npos) << scanned.err;
  records = json_records(scanned.out);
  ASSERT_EQ(records.size(), 1u) << scanned.out;
  EXPECT_EQ(records[0]["method"], "zero-read") << scanned.out;

  // The default method is named too, and not warned about.
  RunResult plain = nbconnect({"--json", "127.0.0.1", port});
  EXPECT_EQ(plain.err.find(kWarning), std::string::npos) << plain.err;
  records = json_records(plain.out);
  ASSERT_EQ(records.size(), 1u) << plain.out;
  EXPECT_EQ(records[0]["method"], "so-error") << plain.out;
}

TEST(MethodZeroRead, HelpSaysUnreliable) {
  for (const char* command : {"check", "scan", "wait", "ping"}) {
    RunResult help = nbconnect({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command << ": " << help.err;
    EXPECT_NE(help.out.find("zero-read (unreliable"), std::string::npos) << command << help.out;
  }
}

}  // namespace
}  // namespace nbc::test
