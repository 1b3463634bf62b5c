// A host with listeners (some in the ephemeral range), dropped ports, ICMP host-unreachable ports
// and TCP-reset ports, scanned on every port: each state right, and nmap -sT agrees.
#include <regex>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

// nmap's grepable output: the open ports and the number of filtered ports.
void nmap_view(const std::string& out, std::set<int>& open, int& filtered) {
  std::regex port_entry(R"((\d+)/(open|filtered|closed|open\|filtered)/tcp)");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), port_entry);
       it != std::sregex_iterator(); ++it) {
    int port = std::stoi((*it)[1]);
    std::string state = (*it)[2];
    if (state == "open") open.insert(port);
    if (state == "filtered") ++filtered;
  }
  std::smatch ignored;
  if (std::regex_search(out, ignored, std::regex(R"(Ignored State: filtered \((\d+)\))"))) {
    filtered += std::stoi(ignored[1]);
  }
}

TEST(ScanMixedHost, EveryPortStateIsRightAndNmapAgrees) {
  NBC_REQUIRE_NETNS();
  Listener fixed("127.0.0.1", 2222);
  Listener ephemeral_a("127.0.0.1");  // port 0: the kernel picks one in the ephemeral range
  Listener ephemeral_b("127.0.0.1");
  ASSERT_TRUE(fixed.ok() && ephemeral_a.ok() && ephemeral_b.ok());
  std::set<int> listening = {fixed.port(), ephemeral_a.port(), ephemeral_b.port()};
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 3001:3004 -j DROP");
  NBC_REQUIRE_IPTABLES(
      "-A INPUT -p tcp --dport 3011:3013 -j REJECT --reject-with icmp-host-unreachable");
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 3021:3023 -j REJECT --reject-with tcp-reset");

  RunResult r = scan({"127.0.0.1", "-p-", "--csv", "-t", "300ms", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto probes = csv_probes(r.out);
  ASSERT_EQ(probes.size(), 65535u);
  std::set<int> open;
  int filtered = 0;
  for (int port = 1; port <= 65535; ++port) {
    auto it = probes.find({"127.0.0.1", port});
    ASSERT_NE(it, probes.end()) << "port " << port << " missing";
    const auto& rec = it->second;
    std::string state = rec.at("state");
    std::string reason = rec.at("reason");
    ASSERT_NE(state, "error") << describe(rec);
    if (state == "open") open.insert(port);
    if (state == "filtered") ++filtered;
    if (listening.count(port)) {
      EXPECT_EQ(state, "open") << describe(rec);
    } else if (port >= 3001 && port <= 3004) {
      EXPECT_EQ(state, "filtered") << describe(rec);
      EXPECT_EQ(reason, "no-response") << describe(rec);
      EXPECT_EQ(rec.at("attempts"), "2") << "--retries 1 is the default: " << describe(rec);
    } else if (port >= 3011 && port <= 3013) {
      EXPECT_EQ(state, "filtered") << describe(rec);
      EXPECT_EQ(reason, "host-unreach") << describe(rec);
    } else {
      EXPECT_EQ(state, "closed") << describe(rec);
    }
  }
  EXPECT_EQ(open, listening);
  EXPECT_EQ(filtered, 7);

  RunResult n =
      run_program({"/usr/bin/nmap", "-sT", "-p-", "-n", "-Pn", "-T5", "-oG", "-", "127.0.0.1"},
                  std::chrono::seconds(120));
  ASSERT_EQ(n.exit_code, 0) << "nmap (Debian's package) is needed: " << n.err;
  std::set<int> nmap_open;
  int nmap_filtered = 0;
  nmap_view(n.out, nmap_open, nmap_filtered);
  EXPECT_EQ(open, nmap_open) << n.out;
  EXPECT_EQ(filtered, nmap_filtered) << n.out;
}

}  // namespace
}  // namespace nbc::test
