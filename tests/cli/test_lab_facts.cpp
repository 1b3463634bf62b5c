// `nbconnect lab`: the key facts of every scenario, as the kernel reports them on Linux, and
// which detection methods get them right.
#include "cli/test_lab_support.hpp"

namespace nbc::test {
namespace {

using lab::Json;
using lab::method_result;
using lab::run_ran;
using lab::so_error_value;
using lab::step;
using lab::step_errno;
using lab::step_ret;
using lab::step_signal;

// Every available method × backend pair reported `state reason`.
void expect_all_methods(const Json& r, const std::vector<std::string>& methods,
                        const std::string& state, const std::string& reason) {
  for (const std::string& m : methods) {
    for (const std::string& b : lab::kBackends) {
      Json res = method_result(r, m, b);
      ASSERT_TRUE(res.is_object()) << r["scenario"] << " " << m << "/" << b;
      if (!res.value("available", false)) continue;
      EXPECT_EQ(res.value("state", ""), state) << r["scenario"] << " " << m << "/" << b;
      EXPECT_EQ(res.value("reason", ""), reason) << r["scenario"] << " " << m << "/" << b;
      EXPECT_EQ(res.value("correct", false),
                state == r["truth"]["state"] && reason == r["truth"]["reason"])
          << r["scenario"] << " " << m << "/" << b;
    }
  }
}

TEST(LabFacts, NothingListeningIsRefusedAndOnlySoErrorGetpeernameReconnectSayIt) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"nothing-listening"});
  const Json& r = lab.by_name["nothing-listening"];
  std::string first = step_errno(r, "connect-1");
  EXPECT_TRUE(first == "EINPROGRESS" || first == "ECONNREFUSED") << first;
  EXPECT_EQ(so_error_value(r), "ECONNREFUSED");
  EXPECT_EQ(r["kernel_says"], "ECONNREFUSED");
  EXPECT_EQ(step_errno(r, "getpeername"), "ENOTCONN");
  EXPECT_EQ(step_errno(r, "read-1"), "ECONNREFUSED");
  EXPECT_EQ(step_ret(r, "read-0"), 0);
  EXPECT_EQ(step_errno(r, "connect-again"), "ECONNREFUSED");
  // Once SO_ERROR has consumed the error, a connect() has only leftovers to say.
  EXPECT_EQ(step_errno(r, "connect-after-so-error"), "ECONNABORTED");
  EXPECT_EQ(step_errno(r, "send"), "ECONNREFUSED");
  EXPECT_NE(step(r, "poll").value("events", "").find("ERR"), std::string::npos);
  EXPECT_NE(step(r, "poll").value("events", "").find("OUT"), std::string::npos)
      << "a failed connect polls writable";
  expect_all_methods(r, {"so-error", "getpeername", "reconnect"}, "closed", "conn-refused");
}

TEST(LabFacts, SecondConnectSaysRefusedAndThirdStartsOver) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"nothing-listening", "tcp-reset"});
  for (const char* name : {"nothing-listening", "tcp-reset"}) {
    const Json& r = lab.by_name[name];
    if (step_errno(r, "connect-1") != "EINPROGRESS") continue;  // refused at once: nothing to see
    EXPECT_EQ(step_errno(r, "connect-2"), "ECONNREFUSED") << name;
    EXPECT_EQ(step_errno(r, "connect-3"), "EINPROGRESS") << name;
  }
}

TEST(LabFacts, ZeroReadCannotTellRefusedFromConnected) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"listening", "nothing-listening"});
  const Json& open = lab.by_name["listening"];
  const Json& refused = lab.by_name["nothing-listening"];
  EXPECT_EQ(step_ret(open, "read-0"), 0);
  EXPECT_EQ(step_ret(refused, "read-0"), 0);
  for (const std::string& b : lab::kBackends) {
    Json a = method_result(open, "zero-read", b);
    Json c = method_result(refused, "zero-read", b);
    if (!a.value("available", false)) continue;
    EXPECT_EQ(a.value("state", ""), "open") << b;
    EXPECT_EQ(c.value("state", ""), "open") << b << ": zero-read took a refusal for a connection";
    EXPECT_FALSE(c.value("correct", true)) << b;
  }
}

TEST(LabFacts, WriteOnRefusedSocketReturnsTheErrorThenRaisesSigpipe) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"nothing-listening"});
  const Json& r = lab.by_name["nothing-listening"];
  // The first plain write() with the error still pending returns (and consumes) it...
  EXPECT_EQ(step_ret(r, "write"), -1);
  EXPECT_EQ(step_errno(r, "write"), "ECONNREFUSED");
  EXPECT_EQ(step_signal(r, "write"), "");
  // ...the next one kills the writer.
  EXPECT_EQ(step_signal(r, "write-again"), "SIGPIPE");
  // With SO_ERROR already read, the very first write() kills it.
  EXPECT_EQ(step_signal(r, "write-after-so-error"), "SIGPIPE");
}

TEST(LabFacts, ListeningIsOpenForEveryMethodAndPoller) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"listening"});
  const Json& r = lab.by_name["listening"];
  EXPECT_EQ(so_error_value(r), "0");
  EXPECT_EQ(step_ret(r, "getpeername"), 0);
  EXPECT_EQ(step_errno(r, "read-1"), "EAGAIN") << "connected, nothing sent yet";
  std::string again = step_errno(r, "connect-again");
  EXPECT_TRUE(again == "EISCONN" || (again.empty() && step_ret(r, "connect-again") == 0)) << again;
  std::string events = step(r, "poll").value("events", "");
  EXPECT_NE(events.find("OUT"), std::string::npos);
  EXPECT_EQ(events.find("ERR"), std::string::npos);
  EXPECT_EQ(step_ret(r, "write"), 1);
  EXPECT_EQ(step_ret(r, "send"), 1);
  expect_all_methods(r, lab::kMethods, "open", "syn-ack");
}

TEST(LabFacts, DroppedSynGivesNoEventAndEveryMethodWaitsForTheDeadline) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"syn-dropped"});
  const Json& r = lab.by_name["syn-dropped"];
  EXPECT_EQ(step_ret(r, "poll"), 0);
  EXPECT_EQ(step(r, "poll").value("events", "?"), "");
  EXPECT_GE(step(r, "poll").value("us", 0.0), r.value("wait_ms", 0) * 1000.0 * 0.9);
  EXPECT_EQ(step_errno(r, "connect-2"), "EALREADY");
  EXPECT_EQ(so_error_value(r), "0");
  EXPECT_EQ(step_errno(r, "getpeername"), "ENOTCONN");
  EXPECT_EQ(step_errno(r, "read-1"), "EAGAIN");
  EXPECT_EQ(step_errno(r, "connect-again"), "EALREADY");
  EXPECT_EQ(step_errno(r, "write"), "EAGAIN");
  EXPECT_EQ(step_signal(r, "write-again"), "");
  EXPECT_EQ(r["kernel_says"], "no answer");
  expect_all_methods(r, lab::kMethods, "filtered", "no-response");
}

TEST(LabFacts, IcmpRejectionsGiveTheirErrnoThroughSoError) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran(
      {"icmp-host-unreachable", "icmp-net-unreachable", "icmp-admin-prohibited", "tcp-reset"});
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"icmp-host-unreachable", {"EHOSTUNREACH", "host-unreach"}},
      {"icmp-net-unreachable", {"ENETUNREACH", "net-unreach"}},
      // Linux maps ICMP code 13 (administratively prohibited) to EHOSTUNREACH.
      {"icmp-admin-prohibited", {"EHOSTUNREACH", "host-unreach"}},
      {"tcp-reset", {"ECONNREFUSED", "conn-refused"}},
  };
  for (const auto& [name, want] : expected) {
    const Json& r = lab.by_name[name];
    EXPECT_EQ(so_error_value(r), want.first) << name;
    EXPECT_EQ(r["kernel_says"], want.first) << name;
    std::string state = name == "tcp-reset" ? "closed" : "filtered";
    expect_all_methods(r, {"so-error"}, state, want.second);
    // zero-read calls every completed connect a success.
    Json zr = method_result(r, "zero-read", "epoll");
    EXPECT_EQ(zr.value("state", ""), "open") << name;
  }
}

TEST(LabFacts, LoopbackIcmpIsASoftErrorThatLeavesTheHandshakeRunning) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"icmp-host-unreachable"});
  const Json& r = lab.by_name["icmp-host-unreachable"];
  // SO_ERROR says EHOSTUNREACH, yet the connect is still pending: a soft error.
  EXPECT_EQ(so_error_value(r), "EHOSTUNREACH");
  EXPECT_EQ(step_errno(r, "connect-again"), "EALREADY");
  EXPECT_EQ(step_errno(r, "read-1"), "EAGAIN");
  EXPECT_NE(step(r, "poll").value("events", "").find("ERR"), std::string::npos);
}

TEST(LabFacts, AnIcmpThatFindsTheSocketFreeEndsTheConnect) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"icmp-after-retransmit"});
  const Json& r = lab.by_name["icmp-after-retransmit"];
  // The retransmitted SYN leaves about 1 s after the first; its ICMP is a hard error.
  EXPECT_GE(step(r, "poll").value("us", 0.0), 900000.0);
  EXPECT_NE(step(r, "poll").value("events", "").find("HUP"), std::string::npos);
  EXPECT_EQ(so_error_value(r), "EHOSTUNREACH");
  EXPECT_EQ(step_errno(r, "read-1"), "EHOSTUNREACH");
  EXPECT_EQ(step_errno(r, "connect-again"), "EHOSTUNREACH");
  EXPECT_EQ(step_errno(r, "write"), "EHOSTUNREACH");
  EXPECT_EQ(step_signal(r, "write-again"), "SIGPIPE");
  expect_all_methods(r, {"so-error", "getpeername", "reconnect"}, "filtered", "host-unreach");
}

TEST(LabFacts, Ipv6RefusesLikeIpv4AndReportsAdminProhibitedAsEacces) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"nothing-listening-v6", "icmp-admin-prohibited-v6"});
  const Json& refused = lab.by_name["nothing-listening-v6"];
  EXPECT_EQ(so_error_value(refused), "ECONNREFUSED");
  EXPECT_EQ(step_signal(refused, "write-again"), "SIGPIPE");
  expect_all_methods(refused, {"so-error", "getpeername", "reconnect"}, "closed", "conn-refused");
  const Json& prohibited = lab.by_name["icmp-admin-prohibited-v6"];
  // The ICMPv6 answering the first SYN is dropped while connect() holds the socket; the one
  // answering the retransmission about 1 s later ends the connect, with EACCES.
  EXPECT_GE(step(prohibited, "poll").value("us", 0.0), 900000.0);
  EXPECT_EQ(so_error_value(prohibited), "EACCES");
  EXPECT_EQ(step_errno(prohibited, "connect-again"), "EACCES");
  expect_all_methods(prohibited, {"so-error", "getpeername", "reconnect"}, "filtered",
                     "admin-prohibited");
}

TEST(LabFacts, RouteFailuresComeBackFromConnectAtOnce) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"no-route", "route-prohibit", "route-unreachable", "route-blackhole"});
  const std::map<std::string, std::pair<std::string, std::pair<std::string, std::string>>>
      expected = {
          {"no-route", {"ENETUNREACH", {"filtered", "net-unreach"}}},
          {"route-prohibit", {"EACCES", {"filtered", "admin-prohibited"}}},
          {"route-unreachable", {"EHOSTUNREACH", {"filtered", "host-unreach"}}},
          {"route-blackhole", {"EINVAL", {"error", "einval"}}},
      };
  for (const auto& [name, want] : expected) {
    const Json& r = lab.by_name[name];
    EXPECT_EQ(step_errno(r, "connect-1"), want.first) << name;
    EXPECT_EQ(step_errno(r, "connect-2"), want.first) << name;
    // The immediate error never reaches SO_ERROR, and the socket still polls writable.
    EXPECT_EQ(so_error_value(r), "0") << name;
    EXPECT_NE(step(r, "poll").value("events", "").find("OUT"), std::string::npos) << name;
    EXPECT_EQ(step_errno(r, "getpeername"), "ENOTCONN") << name;
    EXPECT_EQ(step_signal(r, "write"), "SIGPIPE") << name;
    EXPECT_EQ(step_errno(r, "send"), "EPIPE") << name;
    expect_all_methods(r, lab::kMethods, want.second.first, want.second.second);
  }
}

TEST(LabFacts, NoSourcePortLeftIsALocalErrorRetriedThenReported) {
  NBC_REQUIRE_NETNS();
  // self-connect runs after it and binds an ephemeral port: the range must be back by then.
  auto lab = run_ran({"ports-exhausted", "self-connect"});
  const Json& r = lab.by_name["ports-exhausted"];
  EXPECT_EQ(step_errno(r, "connect-1"), "EADDRNOTAVAIL");
  EXPECT_EQ(so_error_value(r), "0");
  expect_all_methods(r, lab::kMethods, "error", "local-resources");
  EXPECT_GT(method_result(r, "so-error", "epoll").value("attempts", 0), 1)
      << "a local error is retried with a fresh socket before it is reported";
  expect_all_methods(lab.by_name["self-connect"], {"so-error"}, "closed", "self-connect");
}

TEST(LabFacts, SelfConnectLooksConnectedButTheLibraryCallsItClosed) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"self-connect"});
  const Json& r = lab.by_name["self-connect"];
  EXPECT_EQ(so_error_value(r), "0");
  const Json& peer = step(r, "getpeername");
  EXPECT_EQ(peer.value("ret", -1), 0);
  EXPECT_EQ(peer.value("peer", "a"), peer.value("local", "b")) << "connected to itself";
  EXPECT_EQ(r["kernel_says"], "connected");
  expect_all_methods(r, lab::kMethods, "closed", "self-connect");
}

TEST(LabFacts, FullAcceptQueueDropsTheSynAndLooksFiltered) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"backlog-full"});
  const Json& r = lab.by_name["backlog-full"];
  EXPECT_EQ(step_ret(r, "poll"), 0);
  EXPECT_EQ(step_errno(r, "connect-2"), "EALREADY");
  EXPECT_EQ(r["kernel_says"], "no answer");
  expect_all_methods(r, lab::kMethods, "filtered", "no-response");
}

TEST(LabFacts, EveryRecordCarriesEveryStep) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"nothing-listening", "no-route"});
  for (const auto& [name, r] : lab.by_name) {
    for (const char* key :
         {"connect-1", "connect-2", "connect-3", "poll", "so-error", "getpeername", "read-1",
          "read-0", "connect-again", "connect-after-so-error", "send", "write", "write-again",
          "write-after-so-error"}) {
      EXPECT_TRUE(step(r, key).is_object()) << name << " lacks " << key;
    }
    EXPECT_EQ(r["methods"].size(), lab::kMethods.size() * lab::kBackends.size()) << name;
    EXPECT_EQ(r["isolation"], "netns");
  }
}

}  // namespace
}  // namespace nbc::test
