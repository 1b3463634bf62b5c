// Target words: CIDR blocks (IPv4 and IPv6), nmap-style ranges, HOST:PORT, names, -iL files and
// --exclude all stand for exactly the addresses and ports they say.
#include <fstream>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

std::set<std::pair<std::string, int>> scanned(std::vector<std::string> args) {
  args.push_back("--json");
  args.push_back("--no-progress");
  RunResult r = scan(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<std::pair<std::string, int>> out;
  for (const auto& [key, rec] : by_probe(json_records(r.out))) out.insert(key);
  return out;
}

std::set<std::pair<std::string, int>> expected(const std::vector<std::string>& addresses,
                                               const std::vector<int>& ports) {
  std::set<std::pair<std::string, int>> out;
  for (const auto& a : addresses) {
    for (int p : ports) out.insert({a, p});
  }
  return out;
}

TEST(ScanTargetForms, Ipv4CidrBlock) {
  NBC_REQUIRE_NETNS();
  EXPECT_EQ(scanned({"127.0.1.8/30", "-p", "80,81"}),
            expected({"127.0.1.8", "127.0.1.9", "127.0.1.10", "127.0.1.11"}, {80, 81}));
}

TEST(ScanTargetForms, Ipv6CidrBlock) {
  NBC_REQUIRE_NETNS();
  EXPECT_EQ(scanned({"::/126", "-p", "80"}), expected({"::", "::1", "::2", "::3"}, {80}));
}

TEST(ScanTargetForms, NmapStyleRanges) {
  NBC_REQUIRE_NETNS();
  EXPECT_EQ(scanned({"127.0.0.1-3", "-p", "7"}),
            expected({"127.0.0.1", "127.0.0.2", "127.0.0.3"}, {7}));
  EXPECT_EQ(scanned({"127.0.1-2.5,9", "-p", "7"}),
            expected({"127.0.1.5", "127.0.1.9", "127.0.2.5", "127.0.2.9"}, {7}));
}

TEST(ScanTargetForms, HostPortNamesAndDuplicates) {
  NBC_REQUIRE_NETNS();
  auto got = scanned({"127.0.0.1:22", "[::1]:23", "localhost", "127.0.0.1", "-p", "80"});
  EXPECT_EQ(got, (std::set<std::pair<std::string, int>>{
                     {"127.0.0.1", 22}, {"::1", 23}, {"127.0.0.1", 80}}));
}

TEST(ScanTargetForms, ExcludeRemovesAddressesBlocksAndRanges) {
  NBC_REQUIRE_NETNS();
  EXPECT_EQ(scanned({"127.0.1.0/29", "-p", "80", "--exclude", "127.0.1.0,127.0.1.2-3", "--exclude",
                     "127.0.1.6/31"}),
            expected({"127.0.1.1", "127.0.1.4", "127.0.1.5"}, {80}));
}

TEST(ScanTargetForms, InputListFileWithComments) {
  NBC_REQUIRE_NETNS();
  std::string path = testing::TempDir() + "nbconnect_targets.txt";
  {
    std::ofstream f(path);
    f << "# targets\n127.0.0.1   127.0.0.2 # two on a line\n\n  127.0.0.5:99\n";
  }
  EXPECT_EQ(scanned({"-iL", path, "-p", "80"}),
            (std::set<std::pair<std::string, int>>{
                {"127.0.0.1", 80}, {"127.0.0.2", 80}, {"127.0.0.5", 99}}));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace nbc::test
