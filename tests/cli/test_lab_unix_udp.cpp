// `nbconnect lab`, the UNIX-domain and UDP scenarios (issue 11): the key fact of each, as the
// kernel reports it on Linux, and the whole set measured quickly.
#include "cli/test_lab_support.hpp"

namespace nbc::test {
namespace {

using lab::Json;
using lab::so_error_value;
using lab::step;
using lab::step_errno;
using lab::step_ret;

lab::LabRun run_ran(const std::vector<std::string>& names) {
  lab::LabRun lab = lab::run_lab_json(names);
  EXPECT_EQ(lab.run.exit_code, 0) << lab.run.err;
  EXPECT_EQ(lab.records.size(), names.size()) << lab.run.out << lab.run.err;
  for (const std::string& name : names) {
    const Json& r = lab.by_name[name];
    EXPECT_TRUE(r.is_object()) << name << " missing";
    if (r.is_object()) {
      EXPECT_TRUE(r["skipped"].is_null()) << name << ": " << r["skipped"];
    }
  }
  return lab;
}

std::vector<std::string> names_of(const Json& list) {
  std::vector<std::string> out;
  if (list.is_array()) {
    for (const Json& x : list) out.push_back(x.get<std::string>());
  }
  return out;
}

TEST(LabUnixUdp, UnixConnectAnswersAtOnceWithTheErrnoOfEachCase) {
  NBC_REQUIRE_NETNS();
  const std::map<std::string, std::string> expected = {
      {"unix-listening", ""},
      {"unix-absent", "ENOENT"},
      {"unix-stale", "ECONNREFUSED"},
      {"unix-regular-file", "ECONNREFUSED"},
      {"unix-wrong-type", "EPROTOTYPE"},
      {"unix-backlog-full", "EAGAIN"},
      {"unix-permission", "EACCES"},
      {"unix-too-long", "EINVAL"},
      {"unix-not-dir", "ENOTDIR"},
      {"unix-abstract", ""},
      {"unix-abstract-absent", "ECONNREFUSED"},
  };
  std::vector<std::string> names;
  for (const auto& [name, _] : expected) names.push_back(name);
  auto lab = run_ran(names);
  for (const auto& [name, err] : expected) {
    const Json& r = lab.by_name[name];
    EXPECT_EQ(r["family"], "unix") << name;
    EXPECT_EQ(step_errno(r, "connect"), err) << name;
    // Never EINPROGRESS: there is nothing pending, so SO_ERROR has nothing to say.
    EXPECT_EQ(so_error_value(r), "0") << name;
    std::string events = step(r, "poll").value("events", "");
    if (err.empty()) {
      EXPECT_EQ(step_ret(r, "connect"), 0) << name;
      EXPECT_EQ(events, "OUT") << name;
      EXPECT_EQ(step_ret(r, "getpeername"), 0) << name;
      EXPECT_EQ(step(r, "getpeername").value("peer", ""), r.value("target", "?")) << name;
      EXPECT_EQ(step_errno(r, "connect-again"), "EISCONN") << name;
    } else {
      // A failed UNIX connect polls writable and hung up at once: poll cannot tell it apart.
      EXPECT_EQ(events, "OUT|HUP") << name;
      EXPECT_EQ(step_errno(r, "getpeername"), "ENOTCONN") << name;
      EXPECT_EQ(step_errno(r, "connect-again"), err) << name;
    }
  }
  EXPECT_EQ(lab.by_name["unix-abstract"].value("target", "").substr(0, 1), "@");
  // 108 bytes without a NUL still make a path, looked up like any other.
  EXPECT_EQ(step_errno(lab.by_name["unix-too-long"], "connect-108"), "ENOENT");
}

TEST(LabUnixUdp, UnixFullBacklogSaysEagainUntilTheServerAccepts) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"unix-backlog-full"});
  const Json& r = lab.by_name["unix-backlog-full"];
  EXPECT_GE(step(r, "queued").get<int>(), 1);
  EXPECT_EQ(step_errno(r, "filling-connect"), "EAGAIN");
  EXPECT_EQ(step_errno(r, "connect"), "EAGAIN");
  EXPECT_EQ(step_ret(r, "connect-after-accept"), 0) << "a fresh socket gets in once one is taken";
}

TEST(LabUnixUdp, UnixPermissionIsRefusedToAnotherUser) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"unix-permission"});
  const Json& r = lab.by_name["unix-permission"];
  EXPECT_EQ(step_errno(r, "connect"), "EACCES");
  EXPECT_EQ(step(r, "as"), "nobody") << "root becomes nobody to be refused";
}

TEST(LabUnixUdp, UdpClosedPortIsRefusedOnTheCallAfterTheSend) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"udp-closed-port", "udp-icmp-port-unreachable"});
  for (const char* name : {"udp-closed-port", "udp-icmp-port-unreachable"}) {
    const Json& r = lab.by_name[name];
    EXPECT_EQ(r["family"], "udp");
    EXPECT_EQ(step_ret(r, "connect"), 0) << name;
    EXPECT_EQ(step_ret(r, "send"), 1) << name << ": the send itself succeeds";
    EXPECT_EQ(step(r, "poll").value("events", ""), "ERR") << name;
    EXPECT_EQ(step_errno(r, "recv"), "ECONNREFUSED") << name;
    EXPECT_EQ(step_errno(r, "send-2"), "ECONNREFUSED") << name;
    EXPECT_EQ(so_error_value(r), "ECONNREFUSED") << name;
    EXPECT_EQ(step_ret(r, "send-after-recv"), 1) << name << ": the error is given once";
  }
}

TEST(LabUnixUdp, UdpResponderAnswersAndSilenceIsOpenFiltered) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"udp-responder", "udp-dropped"});
  const Json& open = lab.by_name["udp-responder"];
  EXPECT_EQ(step(open, "poll").value("events", ""), "IN");
  EXPECT_EQ(step_ret(open, "recv"), 1);
  EXPECT_EQ(so_error_value(open), "0");
  const Json& dropped = lab.by_name["udp-dropped"];
  EXPECT_EQ(step_ret(dropped, "poll"), 0);
  EXPECT_GE(step(dropped, "poll").value("us", 0.0), dropped.value("wait_ms", 0) * 1000.0 * 0.9);
  EXPECT_EQ(step_errno(dropped, "recv"), "EAGAIN");
  EXPECT_EQ(so_error_value(dropped), "0");
  EXPECT_EQ(dropped["truth"]["state"], "open|filtered");
}

TEST(LabUnixUdp, UdpSoftIcmpErrorsNeedIpRecverr) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"udp-icmp-host-unreachable", "udp-icmp-host-unreachable-recverr",
                      "udp-icmp-net-unreachable", "udp-icmp-net-unreachable-recverr",
                      "udp-icmp-admin-prohibited"});
  for (const char* name : {"udp-icmp-host-unreachable", "udp-icmp-net-unreachable"}) {
    const Json& r = lab.by_name[name];
    EXPECT_EQ(step_ret(r, "poll"), 0) << name << ": a plain socket is not told";
    EXPECT_EQ(step_errno(r, "recv"), "EAGAIN") << name;
  }
  EXPECT_EQ(step_errno(lab.by_name["udp-icmp-host-unreachable-recverr"], "recv"), "EHOSTUNREACH");
  EXPECT_EQ(step_errno(lab.by_name["udp-icmp-net-unreachable-recverr"], "recv"), "ENETUNREACH");
  // Code 13 is a hard error: reported without IP_RECVERR, as EHOSTUNREACH.
  EXPECT_EQ(step_errno(lab.by_name["udp-icmp-admin-prohibited"], "recv"), "EHOSTUNREACH");
}

TEST(LabUnixUdp, UdpConnectSetsReplacesAndDissolvesThePeer) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({"udp-reconnect", "udp-unspec", "udp-foreign-peer"});
  const Json& again = lab.by_name["udp-reconnect"];
  EXPECT_EQ(step_ret(again, "connect-b"), 0);
  EXPECT_EQ(step(again, "getpeername").value("peer", ""), "B");
  EXPECT_EQ(names_of(step(again, "received-from")), std::vector<std::string>{"B"});
  EXPECT_EQ(names_of(step(again, "send-reached")), std::vector<std::string>{"B"});

  const Json& unspec = lab.by_name["udp-unspec"];
  EXPECT_EQ(step_ret(unspec, "connect-unspec"), 0);
  EXPECT_EQ(step_errno(unspec, "send"), "EDESTADDRREQ");
  EXPECT_EQ(step_errno(unspec, "getpeername"), "ENOTCONN");
  EXPECT_EQ(names_of(step(unspec, "received-from")), std::vector<std::string>{"C"});
  EXPECT_EQ(step(unspec, "port-0-socket-port-after"), 0);

  const Json& foreign = lab.by_name["udp-foreign-peer"];
  EXPECT_EQ(names_of(step(foreign, "received-from")), std::vector<std::string>{"A"});
  EXPECT_EQ(step_errno(foreign, "c-recv"), "ECONNREFUSED") << "the kernel refuses C's datagram";
}

TEST(LabUnixUdp, IcmpRateLimitSparesLoopbackAndLimitsAPeer) {
  NBC_REQUIRE_NETNS();
  auto lab = run_ran({lab::kUdpRateScenario});
  const Json& runs = step(lab.by_name[lab::kUdpRateScenario], "runs");
  ASSERT_TRUE(runs.is_array() && runs.size() == 4) << runs;
  const Json& d = step(lab.by_name[lab::kUdpRateScenario], "defaults");
  EXPECT_EQ(d.value("icmp_ratelimit", ""), "1000");
  double per_second = std::stod(d.value("icmp_msgs_per_sec", "1000"));
  double burst = std::stod(d.value("icmp_msgs_burst", "50"));
  EXPECT_EQ(runs[0]["path"], "loopback");
  EXPECT_EQ(runs[0]["refused"], runs[0]["sent"]) << "loopback is exempt";
  // Per destination: a burst of 6, then one a second.
  EXPECT_GE(runs[1]["refused"].get<int>(), 1);
  EXPECT_LE(runs[1]["refused"].get<int>(), 6 + runs[1]["listened_ms"].get<double>() / 1000.0 + 1);
  // Globally: the burst, then icmp_msgs_per_sec; never more than the bucket can hold.
  for (size_t i = 2; i < 4; ++i) {
    double bound = burst + per_second * runs[i]["listened_ms"].get<double>() / 1000.0;
    EXPECT_LE(runs[i]["refused"].get<double>(), bound * 1.1 + 5) << runs[i];
    EXPECT_LT(runs[i]["refused"].get<int>(), runs[i]["sent"].get<int>()) << runs[i];
    EXPECT_GE(runs[i]["refused"].get<double>(), burst * 0.5) << runs[i];
  }
}

TEST(LabUnixUdp, EveryUnixAndUdpScenarioRunsInUnderTenSeconds) {
  NBC_REQUIRE_NETNS();
  std::vector<std::string> names = lab::listed_family("unix");
  for (const std::string& n : lab::listed_family("udp")) names.push_back(n);
  ASSERT_GE(names.size(), 20u);
  auto lab = run_ran(names);
  EXPECT_LT(lab.run.elapsed, std::chrono::seconds(10));
}

}  // namespace
}  // namespace nbc::test
