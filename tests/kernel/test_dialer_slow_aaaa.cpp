// RFC 8305 §3: an A answer waits the Resolution Delay (50 ms) for the AAAA answer, no longer.
// The responder answers A at once and AAAA late (or within the delay).
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

TEST(DialerSlowAaaa, ConnectsOverIpv4WithoutWaitingForAaaa) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  Listener v4("127.0.0.1");
  Listener v6("::1", v4.port());
  ASSERT_TRUE(v4.ok());
  dns.set("slow.test", {.a = {"127.0.0.1"}, .aaaa = {"::1"}, .aaaa_delay = Ms(3000)});
  DialResult r;
  Ms elapsed =
      timed([&] { r = dial(name_port("slow.test", v4.port()), options_for(dns.address())); });
  ASSERT_EQ(r.outcome.state, State::open) << r.outcome.detail;
  EXPECT_EQ(r.outcome.peer.family(), Family::ipv4);
  EXPECT_GE(elapsed, Ms(45));  // the Resolution Delay was given to AAAA
  EXPECT_LT(elapsed, Ms(1200)) << "waited " << elapsed.count() << " ms for the slow AAAA answer";
}

TEST(DialerSlowAaaa, AaaaWithinTheResolutionDelayIsPreferred) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  Listener v4("127.0.0.1");
  Listener v6("::1", v4.port());
  ASSERT_TRUE(v6.ok());
  dns.set("quick.test", {.a = {"127.0.0.1"}, .aaaa = {"::1"}, .aaaa_delay = Ms(20)});
  DialResult r = dial(name_port("quick.test", v4.port()), options_for(dns.address()));
  ASSERT_EQ(r.outcome.state, State::open);
  EXPECT_EQ(r.outcome.peer.family(), Family::ipv6);
}

TEST(DialerSlowAaaa, LateAaaaAnswerStillJoinsTheRace) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  // IPv4 drops SYNs; the AAAA answer comes after the IPv4 attempt started, and IPv6 listens.
  Listener v6("::1");
  ASSERT_TRUE(v6.ok());
  ASSERT_TRUE(blackhole_ipv4(v6.port()));
  dns.set("late.test", {.a = {"127.0.0.1"}, .aaaa = {"::1"}, .aaaa_delay = Ms(200)});
  DialResult r;
  Ms elapsed =
      timed([&] { r = dial(name_port("late.test", v6.port()), options_for(dns.address())); });
  ASSERT_EQ(r.outcome.state, State::open) << r.outcome.detail;
  EXPECT_EQ(r.outcome.peer.family(), Family::ipv6);
  EXPECT_LT(elapsed, Ms(1000));
}

}  // namespace
}  // namespace nbc::test
