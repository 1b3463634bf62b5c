// ScanPlan::skip, the probes a resumed scan finished before: the engine never runs them, runs
// every other probe of the shard once, and counts the shard without them.
#include "test_engine_support.hpp"

namespace nbc::test {
namespace {

TEST(EngineSkip, SkippedProbesNeverRunTheRestOnce) {
  NBC_REQUIRE_NETNS();
  ScanPlan plan;
  plan.groups.push_back({{loopback("127.0.0.1"), loopback("127.0.0.2")}, port_range(3001, 3300)});
  plan.groups.push_back({{loopback("127.0.0.3")}, {3500}});
  plan.order = Order::random;
  plan.seed = 7;
  plan.shard_index = 1;
  plan.shard_count = 2;
  // Every third index, in both shards; and the last probe (group 1's only one).
  auto skip = std::make_shared<std::vector<std::uint64_t>>();
  for (std::uint64_t i = 0; i < 600; i += 3) skip->push_back(i);
  skip->push_back(600);
  plan.skip = skip;
  std::uint64_t skipped_in_shard = 0;
  for (std::uint64_t i : *skip) skipped_in_shard += i % 2 == 1;
  EXPECT_EQ(plan.skipped(), skipped_in_shard);
  EXPECT_EQ(plan.shard_size(), 300u - skipped_in_shard);

  EngineOptions options;
  options.threads = 2;
  options.retries = 0;
  Recorder recorder;
  EngineStats stats = Engine(options).run(plan, recorder.callback());
  EXPECT_EQ(recorder.duplicates(), 0);
  EXPECT_EQ(stats.probes, plan.shard_size());
  ASSERT_EQ(recorder.results().size(), plan.shard_size());
  for (const auto& [key, r] : recorder.results()) {
    auto [group, host, port] = key;
    ASSERT_EQ(group, 0u) << "group 1's probe was skipped (and is in the other shard)";
    std::uint64_t index = std::uint64_t{host} * 300 + (port - 3001);
    EXPECT_EQ(index % 2, 1u) << "not this shard's: " << index;
    EXPECT_FALSE(std::binary_search(skip->begin(), skip->end(), index)) << "skipped " << index;
  }
}

}  // namespace
}  // namespace nbc::test
