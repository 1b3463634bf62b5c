// Adaptive timing (docs/timing.md): dropped ports on a host that answers elsewhere give up at the
// host's measured timeout, not the initial one; a host that never answers gets one retry at the
// initial timeout; -t still fixes every attempt's timeout; the timing words are checked like every
// other.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

using std::chrono::milliseconds;

// Deletes a rule staged with NBC_REQUIRE_IPTABLES("-A " + rule) when the test ends, so that tests
// run in one process (one namespace) do not see each other's rules.
struct RuleGone {
  std::string rule;
  ~RuleGone() { iptables("-D " + rule); }
};

struct Tally {
  int filtered = 0;
  int closed = 0;
  int open = 0;
  std::set<std::string> filtered_attempts;
};

Tally tally(const std::string& csv) {
  Tally t;
  for (const auto& [probe, rec] : csv_probes(csv)) {
    if (rec.at("state") == "filtered") {
      ++t.filtered;
      EXPECT_EQ(rec.at("reason"), "no-response") << describe(rec);
      t.filtered_attempts.insert(rec.at("attempts"));
    }
    if (rec.at("state") == "closed") ++t.closed;
    if (rec.at("state") == "open") ++t.open;
  }
  return t;
}

TEST(ScanAdaptiveTiming, DroppedPortsEndAtTheHostsTimeoutNotTheInitialOne) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1", 2222);
  ASSERT_TRUE(listener.ok());
  // Serial order: the dropped ports are the first probes, started before any answer came back.
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 1:4 -j DROP");
  RuleGone gone{"INPUT -p tcp --dport 1:4 -j DROP"};
  RunResult r = scan({"127.0.0.1", "-p", "1-3000", "--order", "serial", "--csv",
                      "--initial-rtt-timeout", "3s", "--no-progress", "--no-canary"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Tally t = tally(r.out);
  EXPECT_EQ(t.filtered, 4);
  EXPECT_EQ(t.open, 1);
  EXPECT_EQ(t.closed, 2995);
  EXPECT_EQ(t.filtered_attempts, std::set<std::string>{"2"}) << "one retry, as nmap's first";
  // Waiting the initial timeout would take 3 s for the first attempt alone (and 9 s with the
  // retry); the loopback round trip makes each attempt 100 ms (-T3's floor), the retry 200 ms.
  EXPECT_LT(r.elapsed, milliseconds(2000)) << r.err;
  EXPECT_GE(r.elapsed, milliseconds(300)) << "less than the floor and its back-off";
}

TEST(ScanAdaptiveTiming, ALoopWithoutAnswersUsesTheOtherLoopsEstimate) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1", 2222);
  ASSERT_TRUE(listener.ok());
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 1:4 -j DROP");
  RuleGone gone{"INPUT -p tcp --dport 1:4 -j DROP"};
  // Serial order over two loops: loop 0 probes the dropped port 1 and never hears from the host;
  // loop 1 probes the listener.
  RunResult r = scan({"127.0.0.1", "-p", "1,2222", "--order", "serial", "--threads", "2", "--csv",
                      "--initial-rtt-timeout", "3s", "--no-progress", "--no-canary"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Tally t = tally(r.out);
  EXPECT_EQ(t.filtered, 1);
  EXPECT_EQ(t.open, 1);
  // Loop 0 alone would wait the initial 3 s and a 6 s retry.
  EXPECT_LT(r.elapsed, milliseconds(2000)) << r.err;
}

TEST(ScanAdaptiveTiming, AHostThatNeverAnswersGetsOneRetryAtTheInitialTimeout) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_IPTABLES("-A INPUT -d 127.0.0.2 -p tcp -j DROP");
  RuleGone gone{"INPUT -d 127.0.0.2 -p tcp -j DROP"};
  RunResult r = scan({"127.0.0.2", "-p", "1-20", "--csv", "--initial-rtt-timeout", "200ms",
                      "--max-retries", "5", "--no-progress", "--no-canary"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Tally t = tally(r.out);
  EXPECT_EQ(t.filtered, 20);
  EXPECT_EQ(t.filtered_attempts, std::set<std::string>{"2"})
      << "no retry was ever answered: retries beyond the first are not worth their wait";
  // 200 ms, then 200 ms again for the retry: with no round trip measured there is nothing to
  // back off from (the defaults give a dark host 1 s + 1 s, as fixed timeouts did).
  EXPECT_GE(r.elapsed, milliseconds(400));
  EXPECT_LT(r.elapsed, milliseconds(600 + 1500));
}

TEST(ScanAdaptiveTiming, AnExplicitTimeoutIsWaitedInFull) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 1:4 -j DROP");
  RuleGone gone{"INPUT -p tcp --dport 1:4 -j DROP"};
  RunResult r =
      scan({"127.0.0.1", "-p", "1-200", "--csv", "-t", "600ms", "--no-progress", "--no-canary"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Tally t = tally(r.out);
  EXPECT_EQ(t.filtered, 4);
  EXPECT_EQ(t.filtered_attempts, std::set<std::string>{"2"}) << "-t keeps --retries 1";
  EXPECT_GE(r.elapsed, milliseconds(1200)) << "600 ms per attempt, no adaptation";
}

TEST(ScanAdaptiveTiming, EveryTemplateAndItsNameIsAccepted) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  for (std::vector<std::string> words : {std::vector<std::string>{"-T0"},
                                         {"-T1"},
                                         {"-T2"},
                                         {"-T3"},
                                         {"-T4"},
                                         {"-T5"},
                                         {"-T", "paranoid"},
                                         {"-T", "Sneaky"},
                                         {"-T", "polite"},
                                         {"-T", "normal"},
                                         {"--timing", "aggressive"},
                                         {"-T", "INSANE"},
                                         {"-T5", "--max-retries", "0"},
                                         {"-T4", "--min-rtt-timeout", "2s"},
                                         {"-T5", "--initial-rtt-timeout", "1s"}}) {
    SCOPED_TRACE(testing::PrintToString(words));
    std::vector<std::string> args = {"127.0.0.1", "-p", port, "--no-progress", "--no-canary"};
    args.insert(args.end(), words.begin(), words.end());
    RunResult r = scan(args, std::chrono::seconds(20));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("1 port on 1 host"), std::string::npos) << r.out;
  }
}

TEST(ScanAdaptiveTiming, BadTimingWordsAreNamed) {
  struct Case {
    std::vector<std::string> args;
    std::string word;
  };
  const std::vector<Case> cases = {
      {{"-T", "9"}, "9"},
      {{"-T", "fast"}, "fast"},
      {{"-T6"}, "6"},
      {{"--initial-rtt-timeout", "soon"}, "soon"},
      {{"--min-rtt-timeout", "-1s"}, "-1s"},
      {{"--max-rtt-timeout", "0"}, "0"},
      {{"--max-rtt-timeout", "2h"}, "2h"},
      {{"--max-retries", "x"}, "x"},
      {{"--max-retries", "101"}, "101"},
      {{"--retries", "-1"}, "-1"},
      {{"--min-rtt-timeout", "2s", "--max-rtt-timeout", "1s"}, "2s"},
      {{"--initial-rtt-timeout", "3s", "--max-rtt-timeout", "1s"}, "3s"},
      {{"-t", "1s", "--max-rtt-timeout", "1s"}, "--max-rtt-timeout"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c.args));
    std::vector<std::string> args = {"127.0.0.1", "-p", "80"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    expect_usage_error(scan(args), c.word);
  }
}

}  // namespace
}  // namespace nbc::test
