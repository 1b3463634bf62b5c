// --udp on the command line (issue 11, docs/outcomes.md). check: a responder is open/udp-response
// (exit 0), a closed port closed/port-unreach (1), a dropped one open|filtered/no-response (2),
// with "protocol":"udp" in the record. scan --udp 127.0.0.1 -p 1-1024 with two responders and one
// DROP rule: the two open, the dropped one open|filtered, the rest closed — and nmap -sU on the
// same ports agrees.
#include <regex>

#include "support/udp_responder.hpp"
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

nlohmann::json check_udp(const std::vector<std::string>& extra, int expected_exit) {
  std::vector<std::string> args = {"check", "--udp", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = nbconnect(args);
  EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
  auto lines = lines_of(r.out);
  EXPECT_EQ(lines.size(), 1u) << r.out;
  return lines.empty() ? nlohmann::json() : nlohmann::json::parse(lines[0]);
}

TEST(UdpCli, CheckResponderIsOpenUdpResponse) {
  NBC_REQUIRE_NETNS();
  UdpResponder server;
  ASSERT_TRUE(server.ok());
  auto j = check_udp({"--payload", "70696e67", "127.0.0.1", std::to_string(server.port())}, 0);
  EXPECT_EQ(j["state"], "open");
  EXPECT_EQ(j["reason"], "udp-response");
  EXPECT_EQ(j["protocol"], "udp");
}

TEST(UdpCli, CheckClosedPortIsClosedPortUnreach) {
  NBC_REQUIRE_NETNS();
  auto j = check_udp({"127.0.0.1:" + std::to_string(closed_port())}, 1);
  EXPECT_EQ(j["state"], "closed");
  EXPECT_EQ(j["reason"], "port-unreach");
  EXPECT_EQ(j["errno"], "ECONNREFUSED");
}

TEST(UdpCli, CheckDroppedPortIsOpenFilteredExitTwo) {
  NBC_REQUIRE_NETNS();
  std::uint16_t port = closed_port();
  NBC_REQUIRE_IPTABLES("-A INPUT -p udp --dport " + std::to_string(port) + " -j DROP");
  auto j = check_udp({"-t", "300ms", "127.0.0.1:" + std::to_string(port)}, 2);
  EXPECT_EQ(j["state"], "open|filtered");
  EXPECT_EQ(j["reason"], "no-response");
}

TEST(UdpCli, TextLineNamesTheProtocol) {
  NBC_REQUIRE_NETNS();
  RunResult r = nbconnect({"check", "--udp", "127.0.0.1:" + std::to_string(closed_port())});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("/udp closed (port-unreach"), std::string::npos) << r.out;
}

TEST(UdpCli, BadPayloadIsBadInput) {
  expect_usage_error(nbconnect({"check", "--udp", "--payload", "0g", "127.0.0.1:53"}), "'0g'");
  expect_usage_error(nbconnect({"check", "--payload", "00", "127.0.0.1:53"}), "--udp");
  expect_usage_error(nbconnect({"check", "--udp", "--payload", "@/nonexistent/x", "127.0.0.1:53"}),
                     "/nonexistent/x");
}

// nmap's grepable output: every listed port's state, and the count of the ignored state.
std::map<int, std::string> nmap_udp_view(const std::string& out, int& closed) {
  std::map<int, std::string> states;
  std::regex entry(R"((\d+)/(open\|filtered|open|filtered|closed)/udp)");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), entry); it != std::sregex_iterator();
       ++it) {
    states[std::stoi((*it)[1])] = (*it)[2];
  }
  std::smatch ignored;
  closed = 0;
  if (std::regex_search(out, ignored, std::regex(R"(Ignored State: closed \((\d+)\))"))) {
    closed = std::stoi(ignored[1]);
  }
  return states;
}

TEST(UdpCli, ScanOfPorts1To1024AgreesWithNmap) {
  NBC_REQUIRE_NETNS();
  UdpResponder a("127.0.0.1", 1, 161);
  UdpResponder b("127.0.0.1", 1, 500);
  ASSERT_TRUE(a.ok() && b.ok());
  NBC_REQUIRE_IPTABLES("-A INPUT -p udp --dport 700 -j DROP");

  RunResult r = scan({"--udp", "127.0.0.1", "-p", "1-1024", "--json", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The silent port ends at its host's adaptive timeout (tiny: every other port answered), not at
  // the 10 s backstop: the scan loop must poll a UDP probe for reading, not for writing.
  EXPECT_LT(r.elapsed, std::chrono::seconds(6));
  auto probes = by_probe(json_records(r.out));
  ASSERT_EQ(probes.size(), 1024u);
  std::map<int, std::string> ours;
  for (int port = 1; port <= 1024; ++port) {
    const nlohmann::json& rec = probes.at({"127.0.0.1", port});
    EXPECT_EQ(rec["protocol"], "udp");
    std::string state = rec["state"];
    if (port == 161 || port == 500) {
      EXPECT_EQ(state, "open") << rec.dump();
      EXPECT_EQ(rec["reason"], "udp-response");
    } else if (port == 700) {
      EXPECT_EQ(state, "open|filtered") << rec.dump();
      EXPECT_EQ(rec["attempts"], 2) << "a silent probe is retried once by default";
    } else {
      EXPECT_EQ(state, "closed") << rec.dump();
      EXPECT_EQ(rec["reason"], "port-unreach");
    }
    if (state != "closed") ours[port] = state;
  }

  RunResult n = run_program({"/usr/bin/nmap", "-sU", "-p", "1-1024", "-n", "-Pn", "-T4",
                             "--max-retries", "1", "--min-rate", "1000", "-oG", "-", "127.0.0.1"},
                            std::chrono::seconds(120));
  ASSERT_EQ(n.exit_code, 0) << "nmap (Debian's package) is needed: " << n.err;
  int nmap_closed = 0;
  std::map<int, std::string> theirs = nmap_udp_view(n.out, nmap_closed);
  for (auto it = theirs.begin(); it != theirs.end();) {
    it = it->second == "closed" ? theirs.erase(it) : std::next(it);
  }
  EXPECT_EQ(ours, theirs) << n.out;
  EXPECT_EQ(nmap_closed, 1024 - 3) << n.out;
}

TEST(UdpCli, ScanTextTableAndSummaryCountOpenFiltered) {
  NBC_REQUIRE_NETNS();
  UdpResponder a;
  ASSERT_TRUE(a.ok());
  std::uint16_t dropped = closed_port();
  NBC_REQUIRE_IPTABLES("-A INPUT -p udp --dport " + std::to_string(dropped) + " -j DROP");
  RunResult r =
      scan({"--udp", "-t", "200ms", "--retries", "0", "127.0.0.1", "-p",
            std::to_string(a.port()) + "," + std::to_string(dropped) + ",9", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::to_string(a.port()) + "/udp"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("open|filtered"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 open, 1 open|filtered, 1 closed, 0 filtered, 0 error"), std::string::npos)
      << r.out;
}

// Without -p a UDP scan takes nmap's UDP ranking, not the TCP one.
TEST(UdpCli, TopPortsAreTheUdpRanking) {
  NBC_REQUIRE_NETNS();
  RunResult r = scan({"--udp", "--top-ports", "4", "127.0.0.1", "--json", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<int> ports;
  for (const auto& rec : json_records(r.out)) ports.insert(rec["port"].get<int>());
  EXPECT_EQ(ports, (std::set<int>{123, 137, 161, 631}));
}

}  // namespace
}  // namespace nbc::test
