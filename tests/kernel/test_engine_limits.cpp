// The per-host cap and the rate limit hold: runs that would be fast without them take at least
// the time the limits impose.
#include "test_engine_support.hpp"

namespace nbc::test {
namespace {

using Clock = std::chrono::steady_clock;

TEST(EngineLimits, PerHostCapSerialisesOneHost) {
  NBC_REQUIRE_NETNS();
  ASSERT_TRUE(drop_ports(5001, 5004));
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, port_range(5001, 5004)});
  EngineOptions options;
  options.connect.timeout = std::chrono::milliseconds(150);
  options.retries = 0;
  options.per_host = 1;
  options.threads = 2;
  Recorder recorder;
  auto start = Clock::now();
  Engine(options).run(plan, recorder.callback());
  // One at a time: four timeouts back to back. Without the cap all four wait together.
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(4 * 150));
  EXPECT_EQ(recorder.results().size(), 4u);
}

TEST(EngineLimits, PerHostCapIsPerHost) {
  NBC_REQUIRE_NETNS();
  ASSERT_TRUE(drop_ports(5001, 5001));
  ScanPlan plan;
  plan.groups.push_back(
      {{loopback("127.0.0.1"), loopback("127.0.0.2"), loopback("127.0.0.3"), loopback("127.0.0.4")},
       {5001}});
  EngineOptions options;
  options.connect.timeout = std::chrono::milliseconds(300);
  options.retries = 0;
  options.per_host = 1;
  options.threads = 1;
  Recorder recorder;
  auto start = Clock::now();
  Engine(options).run(plan, recorder.callback());
  // Four hosts, one probe each: they run side by side (four in a row would take 1.2 s).
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1100));
  EXPECT_EQ(recorder.results().size(), 4u);
}

TEST(EngineLimits, RateLimitSpacesAttempts) {
  NBC_REQUIRE_NETNS();
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, port_range(6001, 6050)});
  EngineOptions options;
  options.rate = 100;
  options.threads = 2;
  Recorder recorder;
  auto start = Clock::now();
  EngineStats stats = Engine(options).run(plan, recorder.callback());
  // 50 attempts at 100/s: about half a second (the first token is there at once).
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(450));
  EXPECT_EQ(stats.attempts, 50u);
}

TEST(EngineLimits, ConcurrencyOfOneStillFinishes) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1");
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, port_range(7000, 7200)});
  plan.groups.push_back({{loopback()}, {a.port()}});
  EngineOptions options;
  options.concurrency = 1;
  options.threads = 4;
  Recorder recorder;
  EngineStats stats = Engine(options).run(plan, recorder.callback());
  EXPECT_EQ(stats.threads, 1u) << "no more loops than sockets";
  EXPECT_EQ(recorder.results().size(), 202u);
}

}  // namespace
}  // namespace nbc::test
