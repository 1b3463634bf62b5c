// Helpers for the scan CLI tests: run a scan, read its JSON records back, stage firewall rules.
#pragma once

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli.hpp"

namespace nbc::test {

// Whether this namespace has a connect to 127.0.0.2 waiting for its SYN-ACK (SYN_SENT): a scan is
// running and its dropped probes are in flight (the interrupt tests signal then).
inline bool syn_sent_to_dropped_host() {
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (remote.rfind("0200007F:", 0) == 0 && state == "02") return true;
  }
  return false;
}

inline RunResult scan(std::vector<std::string> args,
                      std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  args.insert(args.begin(), "scan");
  return nbconnect(std::move(args), limit);
}

// Parses one JSON object per line; a line that is not one fails the test. The plan line that
// opens a scan's JSON output ({"plan":{...}}) is not a record: left out, or stored in `plan`.
inline std::vector<nlohmann::json> json_records(const std::string& out,
                                                nlohmann::json* plan = nullptr) {
  std::vector<nlohmann::json> records;
  for (const std::string& line : lines_of(out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (j.is_discarded()) continue;
    if (j.is_object() && j.contains("plan")) {
      if (plan) *plan = j["plan"];
      continue;
    }
    records.push_back(std::move(j));
  }
  return records;
}

// "address port" -> record; fails the test when a probe is reported twice.
inline std::map<std::pair<std::string, int>, nlohmann::json> by_probe(
    const std::vector<nlohmann::json>& records) {
  std::map<std::pair<std::string, int>, nlohmann::json> out;
  for (const auto& r : records) {
    std::string address = r["address"].is_null() ? "" : r["address"].get<std::string>();
    auto key = std::make_pair(address, r["port"].get<int>());
    EXPECT_TRUE(out.emplace(key, r).second) << "reported twice: " << r.dump();
  }
  return out;
}

// Parses --csv output (header first; no quoted fields in these tests) into "address port" -> field
// name -> value. Large scans use CSV: it is much cheaper to produce than JSON under ASan.
inline std::map<std::pair<std::string, int>, std::map<std::string, std::string>> csv_probes(
    const std::string& out) {
  std::map<std::pair<std::string, int>, std::map<std::string, std::string>> probes;
  auto lines = lines_of(out);
  if (lines.empty()) return probes;
  auto split = [](const std::string& line) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (true) {
      std::size_t comma = line.find(',', start);
      fields.push_back(line.substr(start, comma == std::string::npos ? comma : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return fields;
  };
  auto header = split(lines[0]);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto fields = split(lines[i]);
    EXPECT_EQ(fields.size(), header.size()) << lines[i];
    if (fields.size() != header.size()) continue;
    std::map<std::string, std::string> rec;
    for (std::size_t f = 0; f < fields.size(); ++f) rec[header[f]] = fields[f];
    auto key = std::make_pair(rec["address"], std::stoi(rec["port"]));
    EXPECT_TRUE(probes.emplace(key, rec).second) << "reported twice: " << lines[i];
  }
  return probes;
}

inline std::string describe(const std::map<std::string, std::string>& rec) {
  std::string out;
  for (const auto& [k, v] : rec) out += k + "=" + v + " ";
  return out;
}

// Runs an iptables command in the test's namespace; false when iptables cannot work here.
inline bool iptables(const std::string& rule) {
  return sh("iptables -w " + rule + " 2>&1") == 0;
}

#define NBC_REQUIRE_IPTABLES(rule)                                                 \
  do {                                                                             \
    if (!::nbc::test::iptables(rule)) GTEST_SKIP() << "iptables failed: " << rule; \
  } while (0)

}  // namespace nbc::test
