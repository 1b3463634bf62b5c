// The Kubernetes Indexed Job of deploy/k8s run locally: three shard processes at once, each
// `--shard I/3 --seed S --json` to a file of its own, then `nbconnect merge`. The shards' union is
// the unsharded scan, no probe twice, and merge prints the unsharded scan's counts.
#include <fmt/format.h>

#include <fstream>
#include <regex>

#include "live_program.hpp"
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

std::string write_temp(const std::string& text) {
  char name[] = "/tmp/nbc-shard-XXXXXX";
  int fd = ::mkstemp(name);
  if (fd >= 0) ::close(fd);
  std::ofstream(name, std::ios::binary) << text;
  return name;
}

// "N ports on H hosts ...: A open, B closed, C filtered, D error" -> "N H A B C D"
std::string counts_of(const std::string& text) {
  std::smatch m;
  if (!std::regex_search(text, m,
                         std::regex(R"((\d+) ports? on (\d+) hosts?[^:]*: (\d+) open, (\d+) )"
                                    R"(closed, (\d+) filtered, (\d+) error)"))) {
    return "no summary in: " + text;
  }
  return fmt::format("{} {} {} {} {} {}", m[1].str(), m[2].str(), m[3].str(), m[4].str(),
                     m[5].str(), m[6].str());
}

class ScanMerge : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!netns_error().empty()) GTEST_SKIP() << netns_error();
    // A mixed pair of hosts: three listeners, closed ports, and 501 dropped ports.
    if (!iptables("-A INPUT -d 127.0.0.3 -p tcp --dport 1000:1500 -j DROP")) {
      GTEST_SKIP() << "iptables failed";
    }
    for (std::uint16_t port : {1100, 1200, 1300}) {
      listeners_.push_back(std::make_unique<Listener>("127.0.0.1", port));
    }
  }
  void TearDown() override {
    for (const std::string& f : files_) ::unlink(f.c_str());
  }

  // The scan's command line (the program first), with `extra` added.
  std::vector<std::string> args(std::vector<std::string> extra, const char* seed = "7") {
    std::vector<std::string> a = {NBC_PROGRAM, "scan", "127.0.0.1", "127.0.0.3",     "-p",
                                  "1-1500",    "-t",   "200ms",     "--retries",     "0",
                                  "--seed",    seed,   "--json",    "--no-progress", "--no-canary"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::string> files_;
};

TEST_F(ScanMerge, ShardsRunAtOnceMergeIntoTheUnshardedScan) {
  // The job's pods: every shard at once, each its own process and output.
  std::vector<std::unique_ptr<LiveProgram>> pods;
  for (int i = 1; i <= 3; ++i) {
    pods.push_back(std::make_unique<LiveProgram>(args({"--shard", fmt::format("{}/3", i)})));
  }
  std::map<std::pair<std::string, int>, nlohmann::json> union_of_shards;
  for (auto& pod : pods) {
    ASSERT_TRUE(pod->finish(std::chrono::seconds(30)));
    ASSERT_EQ(pod->exit_code, 0) << pod->err;
    files_.push_back(write_temp(pod->out));
    for (auto& [key, record] : by_probe(json_records(pod->out))) {
      EXPECT_TRUE(union_of_shards.emplace(key, record).second) << "in two shards: " << record;
    }
  }
  RunResult whole = run_program(args({}));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  auto unsharded = by_probe(json_records(whole.out));
  ASSERT_EQ(unsharded.size(), 3000u);
  ASSERT_EQ(union_of_shards.size(), unsharded.size());
  for (const auto& [key, record] : unsharded) {
    auto it = union_of_shards.find(key);
    ASSERT_NE(it, union_of_shards.end()) << "no shard has " << record;
    EXPECT_EQ(it->second["state"], record["state"]) << record;
  }

  // merge: the table and the same counts as the unsharded scan.
  std::vector<std::string> merge = {"merge"};
  merge.insert(merge.end(), files_.begin(), files_.end());
  RunResult text = nbconnect(merge);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(counts_of(text.out), counts_of(whole.err));
  EXPECT_EQ(counts_of(text.out), "3000 2 3 2496 501 0");
  EXPECT_NE(text.out.find("1200/tcp"), std::string::npos) << text.out;

  // merge --json: the plan as one unsharded scan, then every record once.
  merge.push_back("--json");
  RunResult json = nbconnect(merge);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json plan, whole_plan;
  auto merged = by_probe(json_records(json.out, &plan));
  json_records(whole.out, &whole_plan);
  EXPECT_EQ(plan, whole_plan);
  EXPECT_EQ(merged.size(), 3000u);
  EXPECT_EQ(counts_of(json.err), counts_of(whole.err));
}

TEST_F(ScanMerge, MissingShardRepeatedFileAndOtherPlanAreRefused) {
  for (int i = 1; i <= 3; ++i) {
    RunResult r = run_program(args({"--shard", fmt::format("{}/3", i)}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    files_.push_back(write_temp(r.out));
  }
  RunResult missing = nbconnect({"merge", files_[0], files_[1]});
  EXPECT_EQ(missing.exit_code, 64);
  EXPECT_NE(missing.err.find("shard 3/3 is missing"), std::string::npos) << missing.err;
  RunResult twice = nbconnect({"merge", files_[0], files_[1], files_[2], files_[1]});
  EXPECT_EQ(twice.exit_code, 64);
  EXPECT_NE(twice.err.find(" and in "), std::string::npos) << twice.err;
  // Another seed makes another plan: not a shard of this one.
  RunResult other = run_program(args({"--shard", "3/3"}, "8"));
  ASSERT_EQ(other.exit_code, 0) << other.err;
  files_.push_back(write_temp(other.out));
  RunResult mixed = nbconnect({"merge", files_[0], files_[1], files_[3]});
  EXPECT_EQ(mixed.exit_code, 64);
  EXPECT_NE(mixed.err.find("differ in seed"), std::string::npos) << mixed.err;
  // A shard cut short (as a killed pod leaves it) is reported missing probes, exit 1.
  std::ifstream in(files_[2]);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string cut = write_temp(text.substr(0, text.size() / 2));
  files_.push_back(cut);
  RunResult partial = nbconnect({"merge", files_[0], files_[1], cut});
  EXPECT_EQ(partial.exit_code, 1) << partial.err;
  EXPECT_NE(partial.out.find("incomplete: "), std::string::npos) << partial.out;
}

}  // namespace
}  // namespace nbc::test
