// Every probe of a plan is delivered exactly once, with the right state, over several loops, and
// no descriptor is left behind.
#include "test_engine_support.hpp"

namespace nbc::test {
namespace {

TEST(EngineEveryProbeOnce, TwoLoopsTwoGroups) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1", 2100), b("127.0.0.2", 2200);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(drop_ports(2301, 2310));
  int fds_before = open_fd_count();
  ScanPlan plan;
  plan.groups.push_back({{loopback("127.0.0.1"), loopback("127.0.0.2")}, port_range(2000, 2400)});
  plan.groups.push_back({{loopback("127.0.0.3")}, {2100}});
  plan.order = Order::random;
  plan.seed = 99;
  EngineOptions options;
  options.threads = 2;
  options.connect.timeout = std::chrono::milliseconds(200);
  options.retries = 0;
  Recorder recorder;
  EngineStats stats = Engine(options).run(plan, recorder.callback());
  EXPECT_EQ(recorder.duplicates(), 0);
  ASSERT_EQ(recorder.results().size(), 2u * 401u + 1u);
  EXPECT_EQ(stats.probes, 803u);
  EXPECT_EQ(stats.threads, 2u);
  std::set<unsigned> workers;
  for (const auto& [key, r] : recorder.results()) {
    auto [group, host, port] = key;
    workers.insert(r.worker);
    State expected = State::closed;
    if (group == 0 && host == 0 && port == 2100) expected = State::open;
    if (group == 0 && host == 1 && port == 2200) expected = State::open;
    if (group == 0 && port >= 2301 && port <= 2310) expected = State::filtered;
    EXPECT_EQ(r.state, expected) << group << "/" << host << "/" << port;
  }
  EXPECT_EQ(workers.size(), 2u) << "both loops ran probes";
  EXPECT_EQ(recorder.sockets_handed_back(), 0);
  EXPECT_EQ(open_fd_count(), fds_before);
}

TEST(EngineEveryProbeOnce, KeepSocketHandsOpenSocketsBack) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1");
  ASSERT_TRUE(a.ok());
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, {a.port(), static_cast<std::uint16_t>(a.port() + 1)}});
  EngineOptions options;
  options.connect.keep_socket = true;
  options.threads = 1;
  Recorder recorder;
  Engine(options).run(plan, recorder.callback());
  EXPECT_EQ(recorder.sockets_handed_back(), 1);
}

}  // namespace
}  // namespace nbc::test
