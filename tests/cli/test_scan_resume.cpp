// --resume FILE: a scan interrupted half-way through 65,535 dropped ports is continued from its
// NDJSON output; the two outputs together hold every probe of the plan exactly once, even when
// the first output's last line was cut short. A file of another plan is refused (exit 64).
#include <fmt/format.h>

#include <fstream>
#include <regex>

#include "live_program.hpp"
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

// A file under /tmp with `text`, removed when the object dies.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/nbc-resume-XXXXXX";
    int fd = ::mkstemp(name);
    if (fd >= 0) ::close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::size_t newlines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// 65,535 ports of 127.0.0.2, whose SYNs are dropped: each probe ends at its 100 ms timeout, and
// 4,096 in flight make the scan last about 1.6 s, its records streaming out as it goes.
// The acceptance test's plan: every port. Under ASan a 65,535-probe scan takes over a minute on a
// loaded two-core machine, so that build resumes a plan of 8,192 ports (the normal build of the
// same make test runs all 65,535).
#if defined(__SANITIZE_ADDRESS__)
constexpr int kPorts = 8192;
#else
constexpr int kPorts = 65535;
#endif

std::vector<std::string> dropped_scan(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      "scan",   "127.0.0.2",     "-p",         "1-" + std::to_string(kPorts),
      "-t",     "100ms",         "--retries",  "0",
      "-c",     "4096",          "--threads",  "2",
      "--json", "--no-progress", "--no-canary"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(ScanResume, InterruptedAtHalfThenResumedCoversThePlanOnce) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_IPTABLES("-A INPUT -d 127.0.0.2 -p tcp -j DROP");
  std::vector<std::string> argv = dropped_scan();
  argv.insert(argv.begin(), NBC_PROGRAM);
  LiveProgram first(argv);
  ASSERT_TRUE(first.started());
  // Half the records (and the plan line) on stdout: interrupt there.
  ASSERT_TRUE(
      first.read_until([&] { return newlines(first.out) > kPorts / 2; }, std::chrono::seconds(30)))
      << first.err;
  first.signal(SIGINT);
  ASSERT_TRUE(first.finish(std::chrono::seconds(10)));
  EXPECT_EQ(first.exit_code, 130) << first.err;
  EXPECT_NE(first.err.find("interrupted by SIGINT"), std::string::npos) << first.err;
  nlohmann::json first_plan;
  auto first_records = json_records(first.out, &first_plan);
  ASSERT_TRUE(first_plan.is_object()) << "no plan line";
  EXPECT_EQ(first_plan["probes"], kPorts);
  EXPECT_EQ(first_plan["ports"], "1-" + std::to_string(kPorts));
  // Stopped near the middle, not at an end.
  EXPECT_GT(first_records.size(), kPorts * 45u / 100);
  EXPECT_LT(first_records.size(), kPorts * 85u / 100);

  // As a SIGKILL would leave it: the last record without its end. That probe is scanned again.
  std::string saved = first.out.substr(0, first.out.size() - 20);
  TempFile file(saved);
  auto kept = by_probe(json_records(saved.substr(0, saved.rfind('\n') + 1)));
  ASSERT_EQ(kept.size(), first_records.size() - 1);

  // No --seed: the saved plan's seed is taken, so the order is the same.
  RunResult second = nbconnect(dropped_scan({"--resume", file.path()}));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  nlohmann::json second_plan;
  auto second_records = json_records(second.out, &second_plan);
  EXPECT_EQ(second_plan, first_plan);
  EXPECT_EQ(second_records.size(), kPorts - kept.size());
  EXPECT_NE(second.err.find(fmt::format("resumed: {} ports were done before", kept.size())),
            std::string::npos)
      << second.err;

  std::set<int> ports;
  for (const auto& [key, record] : kept) {
    EXPECT_EQ(key.first, "127.0.0.2");
    ports.insert(key.second);
  }
  for (const auto& r : second_records) {
    EXPECT_EQ(r["state"], "filtered") << r.dump();
    EXPECT_TRUE(ports.insert(r["port"].get<int>()).second) << "scanned twice: " << r.dump();
  }
  EXPECT_EQ(ports.size(), static_cast<std::size_t>(kPorts));
  EXPECT_EQ(*ports.begin(), 1);
  EXPECT_EQ(*ports.rbegin(), kPorts);
}

TEST(ScanResume, FinishedScanResumedScansNothing) {
  NBC_REQUIRE_NETNS();
  RunResult done = scan({"127.0.0.1", "-p", "1-300", "--json", "--no-progress"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  TempFile file(done.out);
  RunResult again =
      scan({"127.0.0.1", "-p", "1-300", "--json", "--no-progress", "--resume", file.path()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(json_records(again.out).empty()) << again.out;
  EXPECT_NE(again.err.find("0 ports on 1 host"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("resumed: 300 ports were done before"), std::string::npos) << again.err;
}

TEST(ScanResume, AnotherPlanIsRefusedNamingWhatDiffers) {
  NBC_REQUIRE_NETNS();
  RunResult done = scan({"127.0.0.1", "-p", "1-100", "--seed", "5", "--json", "--no-progress"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  TempFile file(done.out);
  auto refused = [&](std::vector<std::string> args, const std::string& why) {
    args.insert(args.end(), {"--no-progress", "--resume", file.path()});
    RunResult r = scan(args);
    EXPECT_EQ(r.exit_code, 64) << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << "nothing on stdout, nothing done: " << r.out.substr(0, 300);
  };
  refused({"127.0.0.1", "-p", "1-200", "--json"}, "differ in ports");
  refused({"127.0.0.3", "-p", "1-100", "--json"}, "differ in targets");
  refused({"127.0.0.1", "-p", "1-100", "--seed", "6", "--json"}, "differ in seed");
  refused({"127.0.0.1", "-p", "1-100", "--shard", "1/2", "--json"}, "differ in shard");
  refused({"127.0.0.1", "-p", "1-100", "--order", "serial", "--json"}, "differ in order");
  refused({"127.0.0.1", "-p", "1-100", "--csv"}, "--resume needs --json");
  // Records without a plan line: not a scan output this program can continue.
  TempFile bare(done.out.substr(done.out.find('\n') + 1));
  RunResult r = scan({"127.0.0.1", "-p", "1-100", "--json", "--resume", bare.path()});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("has no plan line"), std::string::npos) << r.err;
  // The same plan is accepted.
  RunResult same =
      scan({"127.0.0.1", "-p", "1-100", "--json", "--no-progress", "--resume", file.path()});
  EXPECT_EQ(same.exit_code, 0) << same.err;
}

}  // namespace
}  // namespace nbc::test
