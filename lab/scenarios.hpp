// The lab's scenarios: one table, one entry per scenario, holding everything about it — its name
// and title, what it needs besides loopback, how it is staged, and what a correct program
// reports there (the outcome vocabulary of docs/outcomes.md). The probes, the library matrix and
// the report only read this table.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/sandbox.hpp"
#include "nbconnect/nbconnect.hpp"

namespace nbc::lab {

using Record = nlohmann::ordered_json;

// What a scenario needs besides loopback.
enum class Needs : unsigned char {
  loopback,   // runs anywhere, even on the host's loopback without privilege
  firewall,   // a private namespace and an iptables/nft rule in it
  route,      // a private namespace and an `ip route` entry in it
  namespace_  // a private namespace (the address would otherwise leave the machine)
};
std::string_view needs_name(Needs needs);

// What staging left in place for the probes: the target, and what must live until the end.
struct Stage {
  std::vector<Socket> held;  // listeners, queued connections, reserved ports: kept to the end
  Endpoint target;
  bool self_connect = false;          // every socket binds a port of its own and connects to it
  std::string setup;                  // what was staged, for the record
  std::string skip;                   // non-empty: the scenario could not be staged
  std::string restore_port_range;     // ip_local_port_range to put back after the scenario
  bool settle = false;                // wait for the end of the connect, not for its first event
  std::chrono::milliseconds wait{0};  // this scenario's own wait (0: the configured one)
};

// The kind of socket a scenario connects: TCP scenarios share the step tables and the library
// matrix; UNIX-domain and UDP scenarios are measured by their own functions (unix.cpp, udp.cpp)
// with plain system calls only, into tables of their own.
enum class Family : unsigned char { tcp, unix_stream, udp, udp_peers, udp_rate };
std::string_view family_name(Family family);

struct Scenario;
// Builds a scenario in the namespace; on failure leaves the reason in Stage::skip.
using StageFunction = void (*)(const Scenario& scenario, Stage& stage);

// Stages and measures a UNIX or UDP scenario in one go, returning its steps (an object keyed as
// the family's table reads them), or a record {"skipped": why}. `wait` bounds every wait.
using MeasureFunction = Record (*)(const Scenario& scenario, sandbox::Firewall& firewall,
                                   std::chrono::milliseconds wait);

// An `ip route` entry that a route-* scenario adds, and the address it then connects to.
struct Route {
  std::string_view type;  // prohibit, unreachable, blackhole
  std::string_view prefix;
  std::string_view address;
};

struct Scenario {
  std::string_view name;
  std::string_view title;  // one line: what is staged
  Needs needs;
  // What a correct program reports, given what the kernel can know.
  std::string_view truth_state;
  std::string_view truth_reason;
  StageFunction stage;  // TCP: staging, then the shared steps and the library matrix
  // The staging function's parameters.
  int family = AF_INET;
  std::string_view firewall_verdict = {};  // a rule for the target port; see sandbox::Firewall
  Route route = {};
  // Read once the connect has ended rather than at its first event, waiting at least this long:
  // for an ICMP error that only ends the connect when the retransmitted SYN meets it.
  bool settle = false;
  std::chrono::milliseconds min_wait{0};
  Family kind = Family::tcp;
  std::string_view variant = {};      // UNIX and UDP: what measure() stages (unix.cpp, udp.cpp)
  MeasureFunction measure = nullptr;  // UNIX and UDP: everything (stage is then null)
};

// Every scenario, in report order.
const std::vector<Scenario>& scenarios();
const Scenario* find_scenario(std::string_view name);

// Stages a scenario: its staging function, then its firewall rule if it has one.
Stage stage_scenario(const Scenario& scenario, sandbox::Firewall& firewall);

// Puts back the namespace-wide settings that staging changed, before the next scenario.
void restore(const Stage& stage);

// Helpers that staging and the probes share.
Endpoint loopback_of(int af, std::uint16_t port);
Endpoint local_address(int fd);
// A port that nobody listens on, held bound but not listening; see scenarios.cpp.
std::optional<Socket> reserve_port(int af, std::uint16_t& port, std::string& error);

}  // namespace nbc::lab
