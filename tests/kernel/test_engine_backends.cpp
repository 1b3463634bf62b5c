// The engine gives the same answers over every poller backend, io_uring included.
#include "test_engine_support.hpp"

namespace nbc::test {
namespace {

class EngineBackends : public testing::TestWithParam<Backend> {};

TEST_P(EngineBackends, MixedPortsSameAnswers) {
  NBC_REQUIRE_NETNS();
  if (!backend_available(GetParam())) GTEST_SKIP() << to_string(GetParam()) << " not available";
  Listener a("127.0.0.1", 4100);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(drop_ports(4201, 4205));
  ASSERT_EQ(sh("iptables -w -A INPUT -p tcp --dport 4301:4302 -j REJECT --reject-with "
               "icmp-host-unreachable"),
            0);
  int fds_before = open_fd_count();
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, port_range(4000, 4400)});
  EngineOptions options;
  options.connect.backend = GetParam();
  options.connect.timeout = std::chrono::milliseconds(200);
  options.threads = 2;
  std::string info;
  options.on_info = [&](const std::string& line) { info = line; };
  Recorder recorder;
  EngineStats stats = Engine(options).run(plan, recorder.callback());
  EXPECT_EQ(stats.backend, GetParam()) << info;
  EXPECT_NE(info.find(std::string(to_string(GetParam()))), std::string::npos) << info;
  ASSERT_EQ(recorder.results().size(), 401u);
  for (const auto& [key, r] : recorder.results()) {
    int port = std::get<2>(key);
    if (port == 4100) {
      EXPECT_EQ(r.state, State::open);
    } else if (port >= 4201 && port <= 4205) {
      EXPECT_EQ(r.reason, Reason::no_response) << port;
      EXPECT_EQ(r.attempts, 2) << "one retry by default";
    } else if (port == 4301 || port == 4302) {
      EXPECT_EQ(r.reason, Reason::host_unreach) << port;
    } else {
      EXPECT_EQ(r.reason, Reason::conn_refused) << port;
    }
  }
  EXPECT_EQ(open_fd_count(), fds_before);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, EngineBackends,
                         testing::Values(Backend::epoll, Backend::poll, Backend::select,
                                         Backend::uring),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace nbc::test
