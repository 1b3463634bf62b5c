// Helpers for the `nbconnect lab` tests: run the lab, index its JSON records, read steps and
// method results, and split Markdown tables into cells.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli/cli.hpp"

namespace nbc::test::lab {

using Json = nlohmann::json;

// Runs `nbconnect lab --json [--scenario NAMES...]` (with `prefix` in front of the program, e.g.
// setpriv) and returns the records by scenario name; fails the test on any unreadable line.
struct LabRun {
  RunResult run;
  std::vector<Json> records;  // in output order
  std::map<std::string, Json> by_name;
};

inline LabRun run_lab_json(const std::vector<std::string>& scenarios,
                           const std::vector<std::string>& prefix = {}) {
  std::vector<std::string> argv = prefix;
  argv.push_back(NBC_PROGRAM);
  argv.insert(argv.end(), {"lab", "--json"});
  if (!scenarios.empty()) {
    argv.push_back("--scenario");
    argv.insert(argv.end(), scenarios.begin(), scenarios.end());
  }
  LabRun lab;
  lab.run = run_program(argv, std::chrono::seconds(90));
  for (const std::string& line : lines_of(lab.run.out)) {
    Json j = Json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (j.is_discarded() || !j.is_object()) continue;
    lab.by_name[j.value("scenario", "")] = j;
    lab.records.push_back(std::move(j));
  }
  return lab;
}

// The names that `nbconnect lab --list` prints, in order.
inline std::vector<std::string> listed_scenarios() {
  std::vector<std::string> names;
  auto r = nbconnect({"lab", "--list"});
  for (const std::string& line : lines_of(r.out)) names.push_back(line.substr(0, line.find(' ')));
  return names;
}

// The listed scenarios of one family, by name: "unix-*", "udp-*", the rest TCP.
inline std::vector<std::string> listed_family(const std::string& family) {
  std::vector<std::string> out;
  for (const std::string& name : listed_scenarios()) {
    std::string f = name.starts_with("unix-") ? "unix" : name.starts_with("udp-") ? "udp" : "tcp";
    if (f == family) out.push_back(name);
  }
  return out;
}

// The UDP scenarios of section 7 (connect() and the peer) and 8 (the rate limit); the other udp-*
// ones are the probes of section 6.
inline const std::set<std::string> kUdpPeerScenarios = {"udp-reconnect", "udp-unspec",
                                                        "udp-foreign-peer"};
inline const std::string kUdpRateScenario = "udp-icmp-rate-limit";

inline const Json& step(const Json& record, const std::string& key) {
  static const Json none;
  if (!record.contains("steps") || !record["steps"].contains(key)) return none;
  return record["steps"][key];
}

// The errno name of a step that returned -1, "" otherwise.
inline std::string step_errno(const Json& record, const std::string& key) {
  const Json& s = step(record, key);
  return s.is_object() && s.contains("errno") && s["errno"].is_string()
             ? s["errno"].get<std::string>()
             : "";
}

inline long step_ret(const Json& record, const std::string& key) {
  const Json& s = step(record, key);
  return s.is_object() && s.contains("ret") && s["ret"].is_number() ? s["ret"].get<long>() : -999;
}

// The signal that killed a writer at this step ("SIGPIPE"), "" when it was not killed.
inline std::string step_signal(const Json& record, const std::string& key) {
  const Json& s = step(record, key);
  return s.is_object() && s.contains("signal") && s["signal"].is_string()
             ? s["signal"].get<std::string>()
             : "";
}

// SO_ERROR's value: the errno name, or "0".
inline std::string so_error_value(const Json& record) {
  const Json& s = step(record, "so-error");
  if (!s.is_object() || !s.contains("value")) return "?";
  return s["value"].is_string() ? s["value"].get<std::string>()
                                : std::to_string(s["value"].get<int>());
}

// The library's result for one method and backend; null when absent.
inline Json method_result(const Json& record, const std::string& method,
                          const std::string& backend) {
  if (!record.contains("methods")) return nullptr;
  for (const Json& m : record["methods"]) {
    if (m.value("method", "") == method && m.value("backend", "") == backend) return m;
  }
  return nullptr;
}

// Splits one Markdown table row into trimmed cells; "\|" is a literal bar inside a cell.
inline std::vector<std::string> table_cells(const std::string& row) {
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 1; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (row[i] == '|') {
      size_t a = cell.find_first_not_of(' ');
      size_t b = cell.find_last_not_of(' ');
      cells.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  return cells;
}

// A Markdown table: the heading above it ("## 3. ..."), its header cells and its body rows.
struct Table {
  std::string heading;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  bool well_formed = true;  // a separator row, and every row as wide as the header
};

inline std::vector<Table> markdown_tables(const std::string& text) {
  std::vector<Table> tables;
  std::string heading;
  auto lines = lines_of(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].starts_with("#")) heading = lines[i];
    if (!lines[i].starts_with("|")) continue;
    Table t;
    t.heading = heading;
    t.header = table_cells(lines[i]);
    if (i + 1 >= lines.size() || !lines[i + 1].starts_with("|---")) t.well_formed = false;
    i += 2;
    for (; i < lines.size() && lines[i].starts_with("|"); ++i) {
      t.rows.push_back(table_cells(lines[i]));
      if (t.rows.back().size() != t.header.size()) t.well_formed = false;
    }
    tables.push_back(std::move(t));
  }
  return tables;
}

inline const std::vector<std::string> kMethods = {"so-error", "getpeername", "reconnect",
                                                  "zero-read"};
inline const std::vector<std::string> kBackends = {"epoll", "poll", "select", "uring"};

}  // namespace nbc::test::lab
