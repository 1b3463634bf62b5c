// A dial tries at most DialOptions::max_addresses addresses: a name with hundreds of records
// cannot keep it starting attempts for minutes. The rest are listed, not tried.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

std::vector<Endpoint> blackholed(int n, std::uint16_t port) {
  std::vector<Endpoint> v;
  for (int i = 1; i <= n; ++i) {
    auto ep = parse_ipv4("127.0.1." + std::to_string(i), port);
    EXPECT_TRUE(ep.has_value());
    v.push_back(*ep);
  }
  return v;
}

DialResult dial_addresses(std::vector<Endpoint> addresses, const DialOptions& o) {
  Dialer dialer;
  DialResult result;
  bool done = false;
  dialer.dial(std::move(addresses), o, [&](DialResult r) {
    result = std::move(r);
    done = true;
  });
  dialer.run();
  EXPECT_TRUE(done);
  return result;
}

TEST(DialerAddressCap, AtMostSixteenAddressesAreTried) {
  NBC_REQUIRE_NETNS();
  std::uint16_t port = Listener("127.0.0.1").port();
  ASSERT_EQ(
      sh("iptables -A INPUT -p tcp -d 127.0.1.0/24 --dport " + std::to_string(port) + " -j DROP"),
      0);
  DialOptions o;
  o.connect.timeout = Ms(200);
  o.attempt_delay = Ms(1);
  EXPECT_EQ(o.max_addresses, 16u);
  DialResult r;
  Ms elapsed = timed([&] { r = dial_addresses(blackholed(40, port), o); });
  EXPECT_EQ(r.outcome.state, State::filtered);
  EXPECT_EQ(r.tried.size(), 16u);
  EXPECT_EQ(r.addresses.size(), 40u);
  EXPECT_NE(r.outcome.detail.find("at most 16 addresses"), std::string::npos) << r.outcome.detail;
  EXPECT_NE(r.outcome.detail.find("and 16 more"), std::string::npos) << r.outcome.detail;
  EXPECT_LT(elapsed, Ms(1000));
}

TEST(DialerAddressCap, TheCapIsAnOption) {
  NBC_REQUIRE_NETNS();
  std::uint16_t port = Listener("127.0.0.1").port();
  ASSERT_EQ(
      sh("iptables -A INPUT -p tcp -d 127.0.1.0/24 --dport " + std::to_string(port) + " -j DROP"),
      0);
  DialOptions o;
  o.connect.timeout = Ms(200);
  o.attempt_delay = Ms(1);
  o.max_addresses = 3;
  EXPECT_EQ(dial_addresses(blackholed(10, port), o).tried.size(), 3u);
  o.max_addresses = 0;  // no cap
  EXPECT_EQ(dial_addresses(blackholed(20, port), o).tried.size(), 20u);
}

}  // namespace
}  // namespace nbc::test
