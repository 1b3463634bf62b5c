// `nbconnect lab`: the whole matrix in under 30 s, the Markdown and JSON reports parse, bad input
// is refused, and docs/behaviour-linux.md is what the lab prints.
#include <sys/utsname.h>

#include <fstream>
#include <set>
#include <sstream>

#include "cli/test_lab_support.hpp"

namespace nbc::test {
namespace {

using lab::Json;

constexpr auto kLabLimit = std::chrono::seconds(30);

std::vector<std::string> column(const lab::Table& t, size_t i) {
  std::vector<std::string> out;
  for (const auto& row : t.rows) out.push_back(i < row.size() ? row[i] : "");
  return out;
}

std::vector<std::string> ticked(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& n : names) out.push_back("`" + n + "`");
  return out;
}

TEST(LabReport, ListNamesEveryScenarioOfTheBehaviourMatrix) {
  auto names = lab::listed_scenarios();
  for (const char* required :
       {"listening", "nothing-listening", "syn-dropped", "icmp-host-unreachable",
        "icmp-net-unreachable", "icmp-admin-prohibited", "tcp-reset", "no-route", "self-connect",
        "backlog-full"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), required), names.end()) << required;
  }
}

TEST(LabReport, MarkdownMatrixIsCompleteAndTakesUnder30Seconds) {
  NBC_REQUIRE_NETNS();
  auto r = nbconnect({"lab"}, std::chrono::seconds(90));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(r.elapsed, kLabLimit);
  auto tables = lab::markdown_tables(r.out);
  ASSERT_EQ(tables.size(), 9u) << r.out;
  for (const lab::Table& t : tables) EXPECT_TRUE(t.well_formed) << t.heading;
  // Every table has one row per scenario of its family, in the order of --list: nothing was
  // skipped. The first lists them all; 1-4 are TCP, 5 UNIX, 6 and 7 UDP, 8 the ICMP rate limit.
  EXPECT_EQ(column(tables[0], 0), ticked(lab::listed_scenarios()));
  for (size_t t = 1; t <= 4; ++t) {
    EXPECT_EQ(column(tables[t], 0), ticked(lab::listed_family("tcp"))) << tables[t].heading;
  }
  EXPECT_EQ(column(tables[5], 0), ticked(lab::listed_family("unix")));
  std::vector<std::string> probes, peers;
  for (const std::string& name : lab::listed_family("udp")) {
    if (name == lab::kUdpRateScenario) continue;
    (lab::kUdpPeerScenarios.contains(name) ? peers : probes).push_back(name);
  }
  EXPECT_EQ(column(tables[6], 0), ticked(probes));
  EXPECT_EQ(column(tables[7], 0), ticked(peers));
  EXPECT_EQ(tables[8].header.at(0), "path");
  EXPECT_EQ(tables[8].rows.size(), 4u);
  // Scenario × step.
  EXPECT_EQ(tables[1].header.at(1), "1st connect()");
  EXPECT_NE(std::find(tables[2].header.begin(), tables[2].header.end(), "SO_ERROR"),
            tables[2].header.end());
  // Scenario × method, scenario × poller: every result cell is ✓ or ✗ with what was said.
  EXPECT_EQ(tables[3].header, (std::vector<std::string>{"scenario", "truth", "so-error",
                                                        "getpeername", "reconnect", "zero-read"}));
  EXPECT_EQ(tables[4].header,
            (std::vector<std::string>{"scenario", "truth", "epoll", "poll", "select", "uring"}));
  for (size_t t = 3; t <= 4; ++t) {
    for (const auto& row : tables[t].rows) {
      for (size_t i = 2; i < row.size(); ++i) {
        EXPECT_TRUE(row[i] == "✓" || row[i].starts_with("✗ ") || row[i] == "n/a")
            << row[0] << ": " << row[i];
      }
    }
  }
  // The SIGPIPE fact as the reader sees it.
  for (const auto& row : tables[2].rows) {
    if (row[0] != "`nothing-listening`") continue;
    EXPECT_EQ(row.back(), "killed by SIGPIPE");
  }
  EXPECT_EQ(r.out.find("## Skipped"), std::string::npos);
  EXPECT_NE(r.out.find("## What a program must do"), std::string::npos);
}

TEST(LabReport, JsonHasOneRecordPerScenarioAndTakesUnder30Seconds) {
  NBC_REQUIRE_NETNS();
  auto lab = lab::run_lab_json({});
  ASSERT_EQ(lab.run.exit_code, 0) << lab.run.err;
  EXPECT_LT(lab.run.elapsed, kLabLimit);
  auto names = lab::listed_scenarios();
  ASSERT_EQ(lab.records.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const Json& r = lab.records[i];
    EXPECT_EQ(r.value("scenario", ""), names[i]);
    EXPECT_TRUE(r["skipped"].is_null()) << names[i];
    EXPECT_TRUE(r["truth"].is_object());
    EXPECT_TRUE(r["steps"].is_object());
    if (r.value("family", "") != "tcp") continue;  // UNIX and UDP: plain calls only
    EXPECT_EQ(r["methods"].size(), 16u);
    EXPECT_TRUE(r["kernel_says"].is_string());
  }
  EXPECT_EQ(lab.run.err, "");
}

TEST(LabReport, ScenarioOptionPicksAndKeepsTableOrder) {
  auto lab = lab::run_lab_json({"self-connect", "listening"});
  ASSERT_EQ(lab.run.exit_code, 0) << lab.run.err;
  ASSERT_EQ(lab.records.size(), 2u);
  EXPECT_EQ(lab.records[0]["scenario"], "listening");
  EXPECT_EQ(lab.records[1]["scenario"], "self-connect");
}

TEST(LabReport, UnknownScenarioIsAUsageError) {
  expect_usage_error(nbconnect({"lab", "--scenario", "listening", "no-such-scenario"}),
                     "no-such-scenario");
}

TEST(LabReport, BadWaitIsAUsageError) {
  expect_usage_error(nbconnect({"lab", "--wait", "soon"}), "soon");
  expect_usage_error(nbconnect({"lab", "--firewall", "pf"}), "pf");
}

TEST(LabReport, NftRulesGiveTheSameAnswers) {
  NBC_REQUIRE_NETNS();
  auto r = run_program({NBC_PROGRAM, "lab", "--json", "--firewall", "nft", "--scenario",
                        "syn-dropped", "icmp-net-unreachable", "tcp-reset"},
                       std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, Json> by_name;
  for (const std::string& line : lines_of(r.out)) {
    Json j = Json::parse(line);
    by_name[j["scenario"]] = j;
  }
  if (by_name["syn-dropped"]["skipped"].is_string()) {
    GTEST_SKIP() << "nft unusable here: " << by_name["syn-dropped"]["skipped"];
  }
  EXPECT_NE(by_name["syn-dropped"].value("firewall", "").find("nftables"), std::string::npos)
      << by_name["syn-dropped"]["firewall"];
  EXPECT_EQ(by_name["syn-dropped"]["kernel_says"], "no answer");
  EXPECT_EQ(by_name["icmp-net-unreachable"]["kernel_says"], "ENETUNREACH");
  EXPECT_EQ(by_name["tcp-reset"]["kernel_says"], "ECONNREFUSED");
}

// The source tree, found from this file's path: tests/cli/<this file>.
std::string source_dir() {
  std::string file = __FILE__;
  for (int i = 0; i < 3; ++i) file = file.substr(0, file.rfind('/'));
  return file;
}

// A table's cells without the timing columns, which differ from run to run.
std::vector<std::vector<std::string>> stable_cells(const lab::Table& t) {
  std::vector<std::vector<std::string>> out;
  for (const auto& row : t.rows) {
    std::vector<std::string> kept;
    for (size_t i = 0; i < row.size() && i < t.header.size(); ++i) {
      // Timings, and the ICMP counts that the rate limit's clock decides.
      if (t.header[i] == "took" || t.header[i] == "ready after" || t.header[i] == "sent in" ||
          t.header[i] == "listened" || t.header[i] == "ECONNREFUSED back") {
        continue;
      }
      kept.push_back(row[i]);
    }
    out.push_back(std::move(kept));
  }
  return out;
}

TEST(LabReport, DocsBehaviourLinuxIsWhatTheLabPrints) {
  NBC_REQUIRE_NETNS();
  std::ifstream in(source_dir() + "/docs/behaviour-linux.md");
  ASSERT_TRUE(in) << "docs/behaviour-linux.md is missing: run make docs";
  std::stringstream doc;
  doc << in.rdbuf();
  auto doc_tables = lab::markdown_tables(doc.str());
  ASSERT_EQ(doc_tables.size(), 9u);
  EXPECT_EQ(column(doc_tables[0], 0), ticked(lab::listed_scenarios()))
      << "the scenarios changed: run make docs";
  EXPECT_EQ(doc.str().find("## Skipped"), std::string::npos);

  auto r = nbconnect({"lab"}, std::chrono::seconds(90));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto tables = lab::markdown_tables(r.out);
  ASSERT_EQ(tables.size(), doc_tables.size());
  for (size_t i = 0; i < tables.size(); ++i) EXPECT_EQ(tables[i].header, doc_tables[i].header);
  // The recipe is the same text.
  auto recipe = [](const std::string& text) { return text.substr(text.find("## What a program")); };
  EXPECT_EQ(recipe(r.out), recipe(doc.str())) << "the recipe changed: run make docs";

  // The measurements can only be compared on the kernel that made them.
  utsname u{};
  ::uname(&u);
  std::string kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
  if (doc.str().find("on " + kernel + ",") == std::string::npos) {
    GTEST_SKIP() << "docs/behaviour-linux.md was measured on another kernel than " << kernel;
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    EXPECT_EQ(stable_cells(tables[i]), stable_cells(doc_tables[i]))
        << tables[i].heading << ": the measurements changed: run make docs";
  }
}

}  // namespace
}  // namespace nbc::test
