// Helpers for the scan CLI tests: run a scan, read its JSON records back, stage firewall rules.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli.hpp"

namespace nbc::test {

inline RunResult scan(std::vector<std::string> args,
                      std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  args.insert(args.begin(), "scan");
  return nbconnect(std::move(args), limit);
}

// Parses one JSON object per line; a line that is not one fails the test.
inline std::vector<nlohmann::json> json_records(const std::string& out) {
  std::vector<nlohmann::json> records;
  for (const std::string& line : lines_of(out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (!j.is_discarded()) records.push_back(std::move(j));
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

// Runs an iptables command in the test's namespace; false when iptables cannot work here.
inline bool iptables(const std::string& rule) {
  return sh("iptables -w " + rule + " 2>&1") == 0;
}

#define NBC_REQUIRE_IPTABLES(rule)                                                 \
  do {                                                                             \
    if (!::nbc::test::iptables(rule)) GTEST_SKIP() << "iptables failed: " << rule; \
  } while (0)

}  // namespace nbc::test
