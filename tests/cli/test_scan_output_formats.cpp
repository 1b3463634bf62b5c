// Every output format parses back to the same results: JSON records with the documented fields
// (docs/outcomes.md), CSV with a header, and the text table with its summary line; --open keeps
// only open ports.
#include <regex>
#include <sstream>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(field);
  return fields;
}

class ScanOutputFormats : public testing::Test {
 protected:
  void SetUp() override {
    if (!netns_error().empty()) GTEST_SKIP() << netns_error();
    listener_ = std::make_unique<Listener>("127.0.0.1");
    ASSERT_TRUE(listener_->ok());
    ASSERT_TRUE(iptables("-A INPUT -p tcp --dport 2001:2002 -j DROP"));
    ports_ = "2000-2010," + std::to_string(listener_->port());
  }
  std::unique_ptr<Listener> listener_;
  std::string ports_;
};

TEST_F(ScanOutputFormats, JsonRecordsCarryTheSpecFields) {
  RunResult r =
      scan({"127.0.0.1", "-p", ports_, "-t", "200ms", "--retries", "0", "--json", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = json_records(r.out);
  ASSERT_EQ(records.size(), 12u);
  for (const auto& rec : records) {
    for (const char* field : {"target", "address", "port", "family", "state", "reason", "errno",
                              "phase", "rtt_ms", "attempts"}) {
      EXPECT_TRUE(rec.contains(field)) << field << " missing: " << rec.dump();
    }
    EXPECT_EQ(rec["target"], "127.0.0.1");
    EXPECT_EQ(rec["family"], "ipv4");
    int port = rec["port"];
    if (port == listener_->port()) {
      EXPECT_EQ(rec["state"], "open");
      EXPECT_EQ(rec["reason"], "syn-ack");
      EXPECT_TRUE(rec["errno"].is_null());
    } else if (port == 2001 || port == 2002) {
      EXPECT_EQ(rec["state"], "filtered");
      EXPECT_EQ(rec["reason"], "no-response");
      EXPECT_EQ(rec["phase"], "deadline");
      EXPECT_EQ(rec["attempts"], 1);
    } else {
      EXPECT_EQ(rec["state"], "closed");
      EXPECT_EQ(rec["reason"], "conn-refused");
      EXPECT_EQ(rec["errno"], "ECONNREFUSED");
    }
  }
}

TEST_F(ScanOutputFormats, CsvMatchesJson) {
  RunResult j =
      scan({"127.0.0.1", "-p", ports_, "-t", "200ms", "--retries", "0", "--json", "--no-progress"});
  RunResult c =
      scan({"127.0.0.1", "-p", ports_, "-t", "200ms", "--retries", "0", "--csv", "--no-progress"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto lines = lines_of(c.out);
  ASSERT_EQ(lines.size(), 13u);
  EXPECT_EQ(lines[0],
            "target,address,port,family,state,reason,errno,phase,rtt_ms,attempts,protocol");
  std::map<int, std::string> csv_state, json_state;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto f = csv_split(lines[i]);
    ASSERT_EQ(f.size(), 11u) << lines[i];
    EXPECT_EQ(f[10], "tcp");
    csv_state[std::stoi(f[2])] = f[4] + "/" + f[5] + "/" + f[6];
  }
  for (const auto& rec : json_records(j.out)) {
    json_state[rec["port"]] = rec["state"].get<std::string>() + "/" +
                              rec["reason"].get<std::string>() + "/" +
                              (rec["errno"].is_null() ? "" : rec["errno"].get<std::string>());
  }
  EXPECT_EQ(csv_state, json_state);
}

TEST_F(ScanOutputFormats, TextTableListsNonClosedPortsAndSummary) {
  RunResult r = scan({"127.0.0.1", "-p", ports_, "-t", "200ms", "--retries", "0", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<int> listed;
  std::regex row(R"(^\s+(\d+)/tcp\s+(\w+)\s+([\w-]+))");
  for (const std::string& line : lines_of(r.out)) {
    std::smatch m;
    if (std::regex_search(line, m, row)) {
      listed.insert(std::stoi(m[1]));
      EXPECT_NE(m[2], "closed") << line;
    }
  }
  EXPECT_EQ(listed, (std::set<int>{2001, 2002, listener_->port()}));
  std::regex summary(
      R"(^12 ports on 1 host in \d+\.\d\d s: 1 open, 9 closed, 2 filtered, 0 error$)");
  auto lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(std::regex_match(lines.back(), summary)) << lines.back();
}

TEST_F(ScanOutputFormats, OpenKeepsOnlyOpenPorts) {
  RunResult r = scan({"127.0.0.1", "-p", ports_, "-t", "200ms", "--retries", "0", "--json",
                      "--open", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = json_records(r.out);
  ASSERT_EQ(records.size(), 1u) << r.out;
  EXPECT_EQ(records[0]["port"], listener_->port());
  RunResult t =
      scan({"127.0.0.1", "-p", ports_, "-t", "200ms", "--retries", "0", "--open", "--no-progress"});
  EXPECT_EQ(t.out.find("filtered  no-response"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find(std::to_string(listener_->port()) + "/tcp"), std::string::npos) << t.out;
}

}  // namespace
}  // namespace nbc::test
