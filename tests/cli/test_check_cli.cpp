// `nbconnect [check] HOST PORT` run as a user runs it: exit codes, text, JSON, -v, bad input.
#include <regex>

#include "cli/cli.hpp"

namespace nbc::test {
namespace {

TEST(CheckCli, OpenPortExitsZeroWithTextLine) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  auto r = nbconnect({"127.0.0.1", std::to_string(listener.port())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::regex line(R"(^127\.0\.0\.1:\d+ open \(syn-ack\) in \d+\.\d{3} ms\n$)");
  EXPECT_TRUE(std::regex_match(r.out, line)) << r.out;
}

TEST(CheckCli, ExplicitCheckAndHostColonPortForm) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  auto r = nbconnect({"check", "127.0.0.1:" + std::to_string(listener.port())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(CheckCli, ClosedPortExitsOneWithReason) {
  NBC_REQUIRE_NETNS();
  std::uint16_t port = closed_port();
  auto r = nbconnect({"127.0.0.1", std::to_string(port)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "127.0.0.1:" + std::to_string(port) +
                       " closed (conn-refused: Connection refused) in " +
                       r.out.substr(r.out.find(" in ") + 4));
  EXPECT_NE(r.out.find(" ms\n"), std::string::npos);
}

TEST(CheckCli, DroppedSynExitsTwoAfterTimeout) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  FirewallRule rule("iptables",
                    "INPUT -p tcp --syn --dport " + std::to_string(listener.port()) + " -j DROP");
  ASSERT_TRUE(rule.ok());
  auto r = nbconnect({"-t", "200ms", "127.0.0.1", std::to_string(listener.port())});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("filtered (no-response)"), std::string::npos) << r.out;
  EXPECT_GE(r.elapsed, std::chrono::milliseconds(200));
}

TEST(CheckCli, HostUnreachableExitsThree) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  FirewallRule rule("iptables", "INPUT -p tcp --dport " + std::to_string(listener.port()) +
                                    " -j REJECT --reject-with icmp-host-unreachable");
  ASSERT_TRUE(rule.ok());
  auto r = nbconnect({"127.0.0.1", std::to_string(listener.port())});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("filtered (host-unreach"), std::string::npos) << r.out;
}

TEST(CheckCli, SelfConnectExitsOne) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  auto r = nbconnect({"--source", "127.0.0.1:" + port, "127.0.0.1", port});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("closed (self-connect)"), std::string::npos) << r.out;
}

TEST(CheckCli, JsonRecordHasEveryFieldOfTheSpec) {
  NBC_REQUIRE_NETNS();
  std::uint16_t port = closed_port();
  auto r = nbconnect({"--json", "127.0.0.1", std::to_string(port)});
  EXPECT_EQ(r.exit_code, 1);
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["target"], "127.0.0.1");
  EXPECT_EQ(j["address"], "127.0.0.1");
  EXPECT_EQ(j["port"], port);
  EXPECT_EQ(j["family"], "ipv4");
  EXPECT_EQ(j["state"], "closed");
  EXPECT_EQ(j["reason"], "conn-refused");
  EXPECT_EQ(j["errno"], "ECONNREFUSED");
  EXPECT_TRUE(j["phase"] == "completion" || j["phase"] == "connect") << j["phase"];
  EXPECT_TRUE(j["rtt_ms"].is_number());
  EXPECT_EQ(j["attempts"], 1);
}

TEST(CheckCli, JsonOpenOnIpv6HasNullErrnoAndNoBrackets) {
  NBC_REQUIRE_NETNS();
  Listener listener("::1");
  auto r = nbconnect({"--json", "[::1]:" + std::to_string(listener.port())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["address"], "::1");
  EXPECT_EQ(j["family"], "ipv6");
  EXPECT_EQ(j["state"], "open");
  EXPECT_EQ(j["reason"], "syn-ack");
  EXPECT_TRUE(j["errno"].is_null());
}

TEST(CheckCli, VerboseTracesEverySystemCallOnStderr) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  auto r = nbconnect({"-v", "127.0.0.1", port});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC"),
            std::string::npos);
  // Descriptor numbers depend on what the test runner left open, so they are matched loosely.
  EXPECT_TRUE(std::regex_search(
      r.err, std::regex(R"(connect\((\d+), 127\.0\.0\.1:)" + port + R"(\) = -1 EINPROGRESS)")))
      << r.err;
  EXPECT_NE(r.err.find("epoll_pwait2("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SO_ERROR) = 0 [ECONNREFUSED]"), std::string::npos) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(close\(\d+\) = 0)"))) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), 1u);  // the trace never goes to stdout
}

TEST(CheckCli, ZeroReadSaysItIsUnreliableAndIsFooled) {
  NBC_REQUIRE_NETNS();
  auto r = nbconnect({"-v", "--method", "zero-read", "127.0.0.1", std::to_string(closed_port())});
  EXPECT_NE(r.err.find("zero-read is unreliable"), std::string::npos) << r.err;
  EXPECT_EQ(r.exit_code, 0) << "zero-read on Linux calls a refused connect open";
}

TEST(CheckCli, EveryMethodAndBackendGivesTheSameAnswer) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  for (const char* method : {"so-error", "getpeername", "reconnect"}) {
    for (const char* backend : {"epoll", "poll", "select"}) {
      auto r = nbconnect({"--method", method, "--backend", backend, "127.0.0.1", port});
      EXPECT_EQ(r.exit_code, 1) << method << " " << backend << ": " << r.err;
    }
  }
}

struct BadInput {
  std::vector<std::string> args;
  std::string word;
};

TEST(CheckCli, BadInputGivesOneLineNamingTheWordAndExit64) {
  const BadInput cases[] = {
      {{"1.2.3", "80"}, "1.2.3"},
      {{"010.0.0.1", "80"}, "010.0.0.1"},
      {{"256.0.0.1", "80"}, "256.0.0.1"},
      {{"127.0.0.1", "0"}, "'0'"},
      {{"127.0.0.1", "65536"}, "65536"},
      {{"127.0.0.1", "-1"}, "-1"},
      {{"127.0.0.1", "http"}, "http"},
      {{"127.0.0.1:99999"}, "99999"},
      {{"::1:80"}, "::1:80"},
      {{"[::1]"}, "[::1]"},
      {{"[::1]:"}, "[::1]:"},
      {{"fe80::1%nosuchif0", "80"}, "nosuchif0"},
      {{"-t", "5x", "127.0.0.1", "80"}, "5x"},
      {{"-t", "-1s", "127.0.0.1", "80"}, "-1s"},
      {{"-t", "0", "127.0.0.1", "80"}, "'0'"},
      {{"--method", "telepathy", "127.0.0.1", "80"}, "telepathy"},
      {{"--backend", "kqueue", "127.0.0.1", "80"}, "kqueue"},
      {{"--source", "1.2.3.999", "127.0.0.1", "80"}, "1.2.3.999"},
      {{"-4", "::1", "80"}, "::1"},
      {{"-6", "127.0.0.1", "80"}, "127.0.0.1"},
      {{"--frobnicate", "127.0.0.1", "80"}, "--frobnicate"},
      {{"127.0.0.1", "80", "extra"}, "extra"},
      {{"bad host!", "80"}, "bad host!"},
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.args[0] + " " + (c.args.size() > 1 ? c.args[1] : ""));
    expect_usage_error(nbconnect(c.args), c.word);
  }
}

TEST(CheckCli, NoArgumentsIsUsageError) {
  auto r = nbconnect({});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.out, "");
}

TEST(CheckCli, HelpExitsZero) {
  auto r = nbconnect({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("check"), std::string::npos);
  auto sub = nbconnect({"check", "--help"});
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.out.find("--timeout"), std::string::npos);
}

}  // namespace
}  // namespace nbc::test
