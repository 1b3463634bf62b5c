// With backend uring the engine connects through IORING_OP_CONNECT (a linked timeout carrying
// the deadline) where the kernel has it, and its answers are those of the readiness path.
#include <fcntl.h>

#include "test_engine_support.hpp"

namespace nbc::test {
namespace {

using Clock = std::chrono::steady_clock;

class EngineUringConnect : public testing::Test {
 protected:
  void SetUp() override {
    NBC_REQUIRE_NETNS();
    if (!backend_available(Backend::uring)) GTEST_SKIP() << "io_uring is not available";
  }
  EngineOptions options(std::chrono::milliseconds timeout = std::chrono::milliseconds(300)) {
    EngineOptions o;
    o.connect.backend = Backend::uring;
    o.connect.timeout = timeout;
    o.on_info = [this](const std::string& line) { info_ = line; };
    return o;
  }
  std::string info_;
};

TEST_F(EngineUringConnect, CompletionPathIsUsedAndSaysSo) {
  Listener a("127.0.0.1");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(drop_ports(5201, 5203));
  ASSERT_EQ(sh("iptables -w -A INPUT -p tcp --dport 5301 -j REJECT --reject-with "
               "icmp-host-unreachable"),
            0);
  int fds_before = open_fd_count();
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, port_range(5200, 5310)});
  plan.groups.push_back({{loopback()}, {a.port()}});
  EngineOptions o = options();
  o.threads = 2;
  Recorder recorder;
  EngineStats stats = Engine(o).run(plan, recorder.callback());
  EXPECT_EQ(stats.backend, Backend::uring);
  EXPECT_TRUE(stats.uring_connect) << info_;
  EXPECT_NE(info_.find("uring (IORING_OP_CONNECT)"), std::string::npos) << info_;
  ASSERT_EQ(recorder.results().size(), 112u);
  EXPECT_EQ(recorder.duplicates(), 0);
  for (const auto& [key, r] : recorder.results()) {
    auto [group, host, port] = key;
    if (group == 1) {
      EXPECT_EQ(r.state, State::open);
      EXPECT_EQ(r.reason, Reason::syn_ack);
    } else if (port >= 5201 && port <= 5203) {
      EXPECT_EQ(r.state, State::filtered) << port;
      EXPECT_EQ(r.reason, Reason::no_response) << port;
      EXPECT_EQ(r.attempts, 2) << "one retry by default";
    } else if (port == 5301) {
      EXPECT_EQ(r.reason, Reason::host_unreach) << port;
    } else {
      EXPECT_EQ(r.state, State::closed) << port;
      EXPECT_EQ(r.reason, Reason::conn_refused) << port;
    }
  }
  EXPECT_EQ(recorder.sockets_handed_back(), 0);
  EXPECT_EQ(open_fd_count(), fds_before);
}

TEST_F(EngineUringConnect, DeadlineIsKeptByTheLinkedTimeout) {
  ASSERT_TRUE(drop_ports(5400, 5409));
  int fds_before = open_fd_count();
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, port_range(5400, 5409)});
  EngineOptions o = options(std::chrono::milliseconds(200));
  o.threads = 1;
  o.retries = 0;
  Recorder recorder;
  auto started = Clock::now();
  EngineStats stats = Engine(o).run(plan, recorder.callback());
  auto took = Clock::now() - started;
  EXPECT_TRUE(stats.uring_connect) << info_;
  ASSERT_EQ(recorder.results().size(), 10u);
  for (const auto& [key, r] : recorder.results()) {
    EXPECT_EQ(r.state, State::filtered);
    EXPECT_EQ(r.reason, Reason::no_response);
    EXPECT_EQ(r.attempts, 1);
  }
  // All ten in flight at once: one deadline, not ten, and not much after it.
  EXPECT_GE(took, std::chrono::milliseconds(190));
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  EXPECT_EQ(open_fd_count(), fds_before);
}

TEST_F(EngineUringConnect, SelfConnectIsClosedAfterRetries) {
  std::uint16_t port;
  {
    Listener probe("127.0.0.1");
    port = probe.port();
  }
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, {port}});
  EngineOptions o = options();
  o.threads = 1;
  o.connect.source = *parse_ip("127.0.0.1", port);
  Recorder recorder;
  EngineStats stats = Engine(o).run(plan, recorder.callback());
  EXPECT_TRUE(stats.uring_connect) << info_;
  ASSERT_EQ(recorder.results().size(), 1u);
  const Recorded& r = recorder.results().begin()->second;
  EXPECT_EQ(r.state, State::closed);
  EXPECT_EQ(r.reason, Reason::self_connect);
  EXPECT_EQ(r.attempts, 1 + o.connect.self_connect_retries);
  EXPECT_EQ(stats.self_connects, static_cast<std::uint64_t>(o.connect.self_connect_retries));
}

TEST_F(EngineUringConnect, KeptSocketsAreNonBlocking) {
  Listener a("127.0.0.1");
  ASSERT_TRUE(a.ok());
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, {a.port()}});
  EngineOptions o = options();
  o.threads = 1;
  o.connect.keep_socket = true;
  int flags = -1;
  State state = State::error;
  EngineStats stats = Engine(o).run(plan, [&](const Probe&, Outcome& out) {
    state = out.state;
    if (out.socket) flags = ::fcntl(out.socket.get(), F_GETFL);
  });
  EXPECT_TRUE(stats.uring_connect) << info_;
  EXPECT_EQ(state, State::open);
  ASSERT_GE(flags, 0);
  EXPECT_TRUE(flags & O_NONBLOCK);
}

}  // namespace
}  // namespace nbc::test
