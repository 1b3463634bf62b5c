// --shard I/N: the parts are disjoint and together are the whole scan, whatever the order and
// seed of each part.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanShards, PartsAreDisjointAndCoverTheScan) {
  NBC_REQUIRE_NETNS();
  std::set<std::pair<std::string, int>> seen;
  std::size_t total = 0;
  const char* seeds[] = {"1", "2", "3"};
  for (int i = 1; i <= 3; ++i) {
    RunResult r = scan({"127.0.0.1-3", "-p", "1-1000", "--shard", std::to_string(i) + "/3",
                        "--seed", seeds[i - 1], "--json", "--no-progress"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto probes = by_probe(json_records(r.out));
    EXPECT_GT(probes.size(), 900u);
    for (const auto& [key, rec] : probes) {
      EXPECT_TRUE(seen.insert(key).second) << "in two shards: " << rec.dump();
      ++total;
    }
  }
  EXPECT_EQ(total, 3000u);
  EXPECT_EQ(seen.size(), 3000u);
}

TEST(ScanShards, ZeroBasedNumberingGivesTheSamePartition) {
  NBC_REQUIRE_NETNS();
  auto keys = [](const std::string& shard) {
    RunResult r = scan({"127.0.0.1", "-p", "1-200", "--shard", shard, "--json", "--no-progress"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::set<int> ports;
    for (const auto& rec : json_records(r.out)) ports.insert(rec["port"].get<int>());
    return ports;
  };
  EXPECT_EQ(keys("0/2"), keys("2/2"));
  auto a = keys("1/2"), b = keys("2/2");
  EXPECT_EQ(a.size() + b.size(), 200u);
  for (int p : a) EXPECT_EQ(b.count(p), 0u);
}

}  // namespace
}  // namespace nbc::test
