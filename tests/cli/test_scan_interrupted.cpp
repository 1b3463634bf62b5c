// SIGINT, SIGTERM or SIGHUP in the middle of a scan whose probes wait for a long timeout: the
// scan stops within a second, prints every record that finished whole, the summary marked
// interrupted, and exits 128 + the signal (docs/outcomes.md).
#include <fstream>
#include <regex>
#include <sstream>

#include "live_program.hpp"
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

// Scans 300 closed ports on 127.0.0.1 (answered at once) and 300 dropped ones on 127.0.0.2 (5 s
// timeout), and sends `sig` once probes are waiting.
void scan_then_signal(LiveProgram& p, int sig) {
  ASSERT_TRUE(p.started());
  // The program is past start-up once its probes are on the wire; a bounded wait for that.
  ASSERT_TRUE(p.read_until(syn_sent_to_dropped_host, std::chrono::seconds(10))) << p.err;
  p.signal(sig);
  ASSERT_TRUE(p.finish(std::chrono::seconds(10))) << "still running 10 s after the signal";
  EXPECT_EQ(p.term_signal, 0) << "killed by the signal";
  EXPECT_EQ(p.exit_code, 128 + sig) << p.err;
  EXPECT_LE(p.since_signal().count(), 1000) << "the scan did not stop within a second";
}

std::vector<std::string> scan_args(std::vector<std::string> extra) {
  std::vector<std::string> args = {NBC_PROGRAM, "scan",  "127.0.0.1",    "127.0.0.2",
                                   "-p",        "1-300", "-t",           "5s",
                                   "--retries", "0",     "--no-progress"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// "N ports on 2 hosts in X s: ... (interrupted by SIGxxx: M of 600 ports not scanned)"
std::smatch summary_of(const std::string& text, const std::string& signal_name) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(
      text, m,
      std::regex(R"((\d+) ports? on 2 hosts in [0-9.]+ s: (\d+) open, (\d+) closed, (\d+) )"
                 R"(filtered, (\d+) error \(interrupted by )" +
                 signal_name + R"(: (\d+) of 600 ports not scanned\)\n)")))
      << text;
  return m;
}

TEST(ScanInterrupted, TextSigintPrintsTheSummary) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_IPTABLES("-A INPUT -d 127.0.0.2 -p tcp -j DROP");
  LiveProgram p(scan_args({}));
  scan_then_signal(p, SIGINT);
  std::smatch m = summary_of(p.out, "SIGINT");
  if (m.empty()) return;
  std::uint64_t done = std::stoull(m[1]);
  EXPECT_EQ(done + std::stoull(m[6]), 600u);
  EXPECT_EQ(std::stoull(m[2]) + std::stoull(m[3]) + std::stoull(m[4]) + std::stoull(m[5]), done);
}

TEST(ScanInterrupted, JsonSigtermKeepsEveryFinishedRecord) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_IPTABLES("-A INPUT -d 127.0.0.2 -p tcp -j DROP");
  LiveProgram p(scan_args({"--json"}));
  scan_then_signal(p, SIGTERM);
  ASSERT_TRUE(p.out.empty() || p.out.back() == '\n') << "a record was cut short";
  auto records = json_records(p.out);
  by_probe(records);
  std::smatch m = summary_of(p.err, "SIGTERM");
  if (m.empty()) return;
  EXPECT_EQ(records.size(), std::stoull(m[1]));
  for (const auto& r : records) EXPECT_EQ(r["address"], "127.0.0.1") << r.dump();
}

TEST(ScanInterrupted, CsvSighupKeepsEveryFinishedRow) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_IPTABLES("-A INPUT -d 127.0.0.2 -p tcp -j DROP");
  LiveProgram p(scan_args({"--csv"}));
  scan_then_signal(p, SIGHUP);
  ASSERT_TRUE(!p.out.empty() && p.out.back() == '\n') << "a row was cut short: " << p.out;
  auto rows = csv_probes(p.out);
  std::smatch m = summary_of(p.err, "SIGHUP");
  if (m.empty()) return;
  EXPECT_EQ(rows.size(), std::stoull(m[1]));
}

}  // namespace
}  // namespace nbc::test
