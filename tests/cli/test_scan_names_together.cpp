// The names of a scan are resolved together on one resolver loop: twenty names whose DNS answers
// each take 300 ms resolve in about one such wait, not twenty; a name that fails among them gets
// one line naming it, and its ports are reported unresolved while the others are scanned.
#include <fmt/format.h>

#include "cli/names_support.hpp"
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanNamesTogether, TwentySlowNamesTakeOneRoundTrip) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  std::vector<std::string> args = {"--dns-server", dns.address(),
                                   "-p",           std::to_string(closed_port()),
                                   "--json",       "--no-progress"};
  for (int i = 1; i <= 20; ++i) {
    std::string name = fmt::format("n{}.test", i);
    dns.set(name, {.a = {fmt::format("127.0.2.{}", i)}, .a_delay = Ms(300), .aaaa_delay = Ms(300)});
    args.push_back(name);
  }
  args.push_back("nosuch.test");
  auto started = std::chrono::steady_clock::now();
  RunResult r = scan(args);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // One after the other this is 20 x 300 ms = 6 s.
  EXPECT_LT(took, Ms(2000));
  auto records = json_records(r.out);
  ASSERT_EQ(records.size(), 21u) << r.out;
  std::set<std::string> scanned;
  for (const auto& rec : records) {
    if (rec["target"] == "nosuch.test") {
      EXPECT_EQ(rec["state"], "unresolved") << rec;
      EXPECT_EQ(rec["reason"], "nxdomain") << rec;
      continue;
    }
    EXPECT_EQ(rec["state"], "closed") << rec;
    EXPECT_EQ(rec["address"], "127.0.2." + rec["target"].get<std::string>().substr(
                                               1, rec["target"].get<std::string>().find('.') - 1))
        << rec;
    scanned.insert(rec["target"]);
  }
  EXPECT_EQ(scanned.size(), 20u);
  EXPECT_EQ(count_of(r.err, "cannot resolve"), 1u) << r.err;
  EXPECT_NE(r.err.find("cannot resolve 'nosuch.test'"), std::string::npos) << r.err;
  // Each name was asked once per family, not once per retry of a sequential walk.
  EXPECT_EQ(dns.queries("n7.test"), 2);
}

}  // namespace
}  // namespace nbc::test
