// Without -p a scan probes the top 1000 TCP ports, --top-ports N the top N: the same port sets
// as nmap's --top-ports (its <scaninfo services=...>), and bad N or -p with --top-ports refused.
#include <regex>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

// "1,3-4,80" -> {1, 3, 4, 80}
std::set<int> port_ranges(const std::string& text) {
  std::set<int> ports;
  std::regex range(R"((\d+)(?:-(\d+))?)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), range);
       it != std::sregex_iterator(); ++it) {
    int first = std::stoi((*it)[1]);
    int last = (*it)[2].matched ? std::stoi((*it)[2]) : first;
    for (int p = first; p <= last && p <= 65535; ++p) ports.insert(p);
  }
  return ports;
}

// The ports nmap scans for these options (all closed on this namespace's loopback: quick).
std::set<int> nmap_ports(const std::vector<std::string>& options) {
  std::vector<std::string> argv = {"/usr/bin/nmap", "-sT", "-n", "-Pn", "-T5", "-oX", "-"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("127.0.0.1");
  RunResult n = run_program(argv, std::chrono::seconds(60));
  EXPECT_EQ(n.exit_code, 0) << "nmap (Debian's package, scripts/deps.sh) is needed: " << n.err;
  std::smatch m;
  if (!std::regex_search(n.out, m, std::regex(R"re(<scaninfo [^>]*services="([^"]*)")re"))) {
    ADD_FAILURE() << "no scaninfo in nmap's XML: " << n.out;
    return {};
  }
  return port_ranges(m[1]);
}

// The ports nbconnect scanned, from its CSV records.
std::set<int> our_ports(std::vector<std::string> options) {
  options.insert(options.begin(), "127.0.0.1");
  for (const char* w : {"--csv", "-t", "300ms", "--no-progress", "--no-canary"}) {
    options.push_back(w);
  }
  RunResult r = scan(options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<int> ports;
  for (const auto& [key, record] : csv_probes(r.out)) ports.insert(key.second);
  return ports;
}

TEST(ScanTopPorts, SameSetsAsNmapsTopPorts) {
  NBC_REQUIRE_NETNS();
  for (const char* n : {"1", "10", "100", "1000"}) {
    std::set<int> ours = our_ports({"--top-ports", n});
    EXPECT_EQ(ours.size(), static_cast<std::size_t>(std::stoi(n)));
    EXPECT_EQ(ours, nmap_ports({"--top-ports", n})) << "--top-ports " << n;
  }
}

TEST(ScanTopPorts, WithoutPortsTheTopThousandLikeNmap) {
  NBC_REQUIRE_NETNS();
  std::set<int> ours = our_ports({});
  EXPECT_EQ(ours.size(), 1000u);
  EXPECT_EQ(ours, nmap_ports({}));
  // HOST:PORT targets keep their own port; only the words without one get the default.
  RunResult r = scan({"127.0.0.1:47999", "--csv", "-t", "300ms", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto probes = csv_probes(r.out);
  ASSERT_EQ(probes.size(), 1u) << r.out;
  EXPECT_EQ(probes.begin()->first.second, 47999);
}

TEST(ScanTopPorts, BeyondTheRankedPortsUpToAll) {
  NBC_REQUIRE_NETNS();
  // Every port: the XML's scaninfo says which were asked for (cheaper than 65,535 CSV rows).
  RunResult all = scan({"127.0.0.1", "--top-ports", "65535", "--xml", "-t", "300ms",
                        "--no-progress", "--no-canary"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("numservices=\"65535\" services=\"1-65535\""), std::string::npos);
  EXPECT_NE(all.err.find("65535 ports on 1 host"), std::string::npos) << all.err;
  std::set<int> some = our_ports({"--top-ports", "9000"});
  EXPECT_EQ(some.size(), 9000u);
  std::set<int> thousand = our_ports({"--top-ports", "1000"});
  EXPECT_TRUE(std::includes(some.begin(), some.end(), thousand.begin(), thousand.end()));
}

TEST(ScanTopPorts, BadCountsAndPortsWithTopPortsAreRefused) {
  for (const char* bad : {"0", "65536", "ten", "-5", "1e3"}) {
    expect_usage_error(scan({"127.0.0.1", "--top-ports", bad}), std::string("'") + bad + "'");
  }
  RunResult both = scan({"127.0.0.1", "-p", "80", "--top-ports", "10"});
  expect_usage_error(both, "--top-ports");
  EXPECT_NE(both.err.find("-p"), std::string::npos) << both.err;
}

}  // namespace
}  // namespace nbc::test
