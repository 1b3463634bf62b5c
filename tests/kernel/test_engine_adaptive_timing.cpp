// The library's adaptive timing (EngineOptions::timing): over every backend, dropped ports among
// answering ones end at the host's measured timeout, not the initial one, and keep their state;
// a Scanner on the caller's own loop does the same; the progress sees the probes in flight.
#include <atomic>

#include "nbconnect/event_loop.hpp"
#include "test_engine_support.hpp"

namespace nbc::test {
namespace {

using std::chrono::milliseconds;

// Drops 4001-4005 until the test ends (tests run in one process share the namespace).
struct Dropped {
  bool ok = drop_ports(4001, 4005);
  ~Dropped() { sh("iptables -w -D INPUT -p tcp --dport 4001:4005 -j DROP"); }
};

EngineOptions adaptive_options(Backend backend) {
  EngineOptions options;
  options.connect.backend = backend;
  options.timing.adaptive = true;
  options.timing.initial_rtt_timeout = std::chrono::seconds(3);
  options.timing.min_rtt_timeout = milliseconds(60);
  options.timing.max_rtt_timeout = std::chrono::seconds(3);
  options.retries = 4;  // a maximum: no retry is ever answered here, so one is made
  return options;
}

// Serial order: the dropped ports 4001-4005 start first, before any answer came back.
ScanPlan dropped_first_plan() {
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, port_range(4001, 4400)});
  plan.order = Order::serial;
  return plan;
}

void expect_states(const Recorder& recorder) {
  ASSERT_EQ(recorder.results().size(), 400u);
  for (const auto& [key, r] : recorder.results()) {
    int port = std::get<2>(key);
    if (port == 4100) {
      EXPECT_EQ(r.state, State::open);
    } else if (port <= 4005) {
      EXPECT_EQ(r.reason, Reason::no_response) << port;
      EXPECT_EQ(r.attempts, 2) << "one retry: none was ever answered";
    } else {
      EXPECT_EQ(r.reason, Reason::conn_refused) << port;
    }
  }
}

class EngineAdaptiveTiming : public testing::TestWithParam<Backend> {};

TEST_P(EngineAdaptiveTiming, DroppedPortsEndAtTheMeasuredTimeout) {
  NBC_REQUIRE_NETNS();
  if (!backend_available(GetParam())) GTEST_SKIP() << to_string(GetParam()) << " not available";
  Listener a("127.0.0.1", 4100);
  ASSERT_TRUE(a.ok());
  Dropped dropped;
  ASSERT_TRUE(dropped.ok);
  int fds_before = open_fd_count();
  EngineOptions options = adaptive_options(GetParam());
  options.threads = 1;
  std::atomic<std::uint64_t> most_in_flight{0};
  std::atomic<std::int64_t> longest_pending{0};
  options.progress_interval = milliseconds(20);
  options.on_progress = [&](const EngineProgress& p) {
    most_in_flight = std::max<std::uint64_t>(most_in_flight, p.in_flight);
    longest_pending = std::max<std::int64_t>(longest_pending, p.pending.count());
  };
  Recorder recorder;
  auto begun = Clock::now();
  Engine(options).run(dropped_first_plan(), recorder.callback());
  auto took = Clock::now() - begun;
  expect_states(recorder);
  // The initial timeout alone is 3 s; the measured one is the 60 ms floor, 120 ms for the retry.
  EXPECT_GE(took, milliseconds(180));
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_GE(most_in_flight.load(), 5u) << "the dropped ports were seen in flight";
  EXPECT_GT(longest_pending.load(), 0) << "their deadlines were seen pending";
  EXPECT_EQ(open_fd_count(), fds_before);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, EngineAdaptiveTiming,
                         testing::Values(Backend::epoll, Backend::poll, Backend::select,
                                         Backend::uring),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(ScannerAdaptiveTiming, OnTheCallersLoop) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1", 4100);
  ASSERT_TRUE(a.ok());
  Dropped dropped;
  ASSERT_TRUE(dropped.ok);
  EventLoop loop;
  ScanPlan plan = dropped_first_plan();
  Recorder recorder;
  Scanner scanner(loop, plan, adaptive_options(Backend::epoll), recorder.callback());
  bool done = false;
  auto begun = Clock::now();
  scanner.start([&](const EngineStats&) { done = true; });
  for (int turns = 0; !done && turns < 100000 && Clock::now() - begun < std::chrono::seconds(10);
       ++turns) {
    loop.run_once(milliseconds(100));
  }
  ASSERT_TRUE(done);
  expect_states(recorder);
  EXPECT_LT(Clock::now() - begun, milliseconds(1500));
}

}  // namespace
}  // namespace nbc::test
