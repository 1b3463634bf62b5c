// The dialer over every poller backend: c-ares sockets and connect attempts share the poller,
// whichever it is.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

class DialerBackends : public testing::TestWithParam<Backend> {};

TEST_P(DialerBackends, HappyEyeballsAndNxdomain) {
  NBC_REQUIRE_NETNS();
  if (!backend_available(GetParam())) GTEST_SKIP() << "backend not available here";
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");
  ASSERT_TRUE(blackhole_ipv6(v4.port()));
  DialOptions o = options_for(dns.address());
  o.connect.backend = GetParam();
  DialResult r;
  Ms elapsed = timed([&] { r = dial(name_port("dual.test", v4.port()), o); });
  EXPECT_EQ(r.outcome.state, State::open) << r.outcome.detail;
  EXPECT_EQ(r.outcome.peer.family(), Family::ipv4);
  EXPECT_LT(elapsed, Ms(900));
  EXPECT_EQ(dial(name_port("nosuch.test", 80), o).outcome.reason, Reason::nxdomain);
}

INSTANTIATE_TEST_SUITE_P(Every, DialerBackends,
                         testing::Values(Backend::epoll, Backend::poll, Backend::select,
                                         Backend::uring),
                         [](const testing::TestParamInfo<Backend>& info) {
                           return std::string(to_string(info.param));
                         });

}  // namespace
}  // namespace nbc::test
