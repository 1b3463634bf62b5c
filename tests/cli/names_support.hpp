// Shared by the CLI tests of names, wait and ping: JSON lines, ports, firewall rules.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "support/dns.hpp"

namespace nbc::test {

using Ms = std::chrono::milliseconds;

// The records of JSON output, one object a line (a line that is not one fails the test); the plan
// line that opens a scan's output ({"plan":{...}}) is not a record and is left out.
inline std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> records;
  for (const std::string& line : lines_of(out)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (j.is_object() && j.contains("plan")) continue;
    records.push_back(std::move(j));
  }
  return records;
}

inline std::vector<std::string> dual_stack_records() {
  return {"--host-record=dual.test,127.0.0.1,::1", "--host-record=v6only.test,::1",
          "--host-record=v4only.test,127.0.0.1"};
}

inline bool drop_syns(const std::string& address, std::uint16_t port) {
  bool v6 = address.find(':') != std::string::npos;
  return sh(std::string(v6 ? "ip6tables" : "iptables") + " -A INPUT -p tcp -d " + address +
            " --dport " + std::to_string(port) + " -j DROP") == 0;
}

// Stages `name` in the fake DNS with `count` IPv4 addresses 127.0.1.1..N whose SYNs to a closed
// port are dropped; returns that port ("" when the firewall rule failed).
inline std::string stage_blackholed_name(FakeDns& dns, const std::string& name, int count) {
  std::vector<std::string> addresses;
  for (int i = 1; i <= count; ++i) addresses.push_back("127.0.1." + std::to_string(i));
  dns.set(name, {.a = addresses});
  std::string port = std::to_string(closed_port());
  if (sh("iptables -A INPUT -p tcp -d 127.0.1.0/24 --dport " + port + " -j DROP") != 0) return "";
  return port;
}

inline std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace nbc::test
