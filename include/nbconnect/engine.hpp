// Many connects at once: the scan engine. One event loop per thread, attempts sharded between the
// loops, each outcome delivered by callback on the loop that produced it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nbconnect/connect.hpp"
#include "nbconnect/endpoint.hpp"
#include "nbconnect/outcome.hpp"

namespace nbc {

// A set of hosts, each probed on every port of the set's list.
struct ScanGroup {
  std::vector<Endpoint> hosts;  // the port of each endpoint is ignored
  std::vector<std::uint16_t> ports;
};

enum class Order : std::uint8_t { serial, random };

// What to scan: the probes are every (host, port) of every group. The order is a bijection of the
// probe indices, so a shard I/N takes the probes whose canonical index is I mod N whatever the
// order: shards of the same plan are disjoint and together are the whole plan.
struct ScanPlan {
  std::vector<ScanGroup> groups;
  Order order = Order::serial;
  std::uint64_t seed = 0;         // the random order's key
  std::uint32_t shard_index = 0;  // 0 .. shard_count-1
  std::uint32_t shard_count = 1;

  // Probes in the plan, shards included.
  std::uint64_t size() const;
  // Probes in this plan's shard.
  std::uint64_t shard_size() const;
};

// Identifies a probe in the callback.
struct Probe {
  std::uint32_t group = 0;
  std::uint32_t host = 0;  // index into the group's hosts
  std::uint16_t port = 0;
  unsigned worker = 0;  // the event loop (thread) that ran it, 0 .. threads-1
};

struct EngineProgress {
  std::uint64_t done = 0;      // probes with a final outcome
  std::uint64_t total = 0;     // probes in the shard
  std::uint64_t attempts = 0;  // sockets used so far, retries included
  std::chrono::nanoseconds elapsed{0};
};

struct EngineOptions {
  // Per attempt: timeout, detection method, poller backend, source address, tracer. The engine
  // closes every probe with linger 0 (no TIME_WAIT) unless keep_socket asks for open sockets.
  ConnectOptions connect = [] {
    ConnectOptions c;
    c.timeout = std::chrono::seconds(1);
    c.keep_socket = false;
    return c;
  }();
  // Sockets in flight over all loops; 0: derived from RLIMIT_NOFILE, which is raised to its hard
  // limit first (keeping some descriptors spare).
  std::size_t concurrency = 0;
  double rate = 0;           // attempts started per second over all loops; 0: no limit
  std::size_t per_host = 0;  // attempts in flight per address; 0: no cap
  int retries = 1;           // extra attempts after no-response (only)
  unsigned threads = 1;      // event loops, one thread each; 0: one per core
  // Called every interval on the thread that called run(), while it runs.
  std::chrono::milliseconds progress_interval{250};
  std::function<void(const EngineProgress&)> on_progress;
  // Called once per loop at start with a line saying what runs (backend, window), e.g. for -v.
  std::function<void(const std::string&)> on_info;
};

// Called once per probe with its final outcome (after retries), on the loop thread that ran it:
// with more than one thread, from several threads at once. The Outcome may be moved from.
using ProbeCallback = std::function<void(const Probe& probe, Outcome& outcome)>;

struct EngineStats {
  std::uint64_t probes = 0;
  std::uint64_t attempts = 0;       // sockets used
  std::uint64_t local_retries = 0;  // attempts repeated after a local error
  std::uint64_t self_connects = 0;  // attempts repeated after a self-connect
  std::size_t window = 0;           // the in-flight limit the run started with (all loops)
  unsigned threads = 0;
  Backend backend = Backend::epoll;
  // With backend uring: whether the connects were IORING_OP_CONNECT completions (false: the
  // kernel lacks it, and the uring poller watched for readiness instead).
  bool uring_connect = false;
  std::chrono::nanoseconds elapsed{0};
};

class Engine {
 public:
  explicit Engine(EngineOptions options);
  // Runs every probe of the plan's shard to its final outcome. Blocks until done.
  EngineStats run(const ScanPlan& plan, const ProbeCallback& callback);

  const EngineOptions& options() const { return options_; }

 private:
  EngineOptions options_;
};

// Raises RLIMIT_NOFILE's soft limit to the hard limit and returns the new soft limit.
std::size_t raise_fd_limit();
// The default in-flight window for a descriptor limit: the limit less a reserve for the rest of
// the program.
std::size_t default_concurrency(std::size_t fd_limit);

// Port lists as nmap writes them: "22,80,8000-8100", "-" or "1-" or "-1024" for open ends.
// Returns the ports in ascending order without repeats, or the word that is wrong.
Parsed<std::vector<std::uint16_t>> parse_port_list(std::string_view text);

// A scan target word: an address, an IPv4/IPv6 CIDR block, an nmap-style IPv4 range, or a host
// name (left to the caller to resolve); HOST:PORT and [IPV6]:PORT carry their own port.
struct TargetSpec {
  enum Kind : std::uint8_t { address, cidr, range, name } kind = address;
  std::string word;  // as written
  std::string host;  // without the port (and without brackets)
  std::optional<std::uint16_t> port;
  // For address, cidr and range: the first address and, for cidr, the prefix length.
  Endpoint base;
  unsigned prefix = 0;
  // For range: the allowed values of each IPv4 octet (a bit per value).
  std::vector<std::vector<bool>> octets;

  // Addresses the spec stands for (0 for a name).
  std::uint64_t count() const;
  // Calls f(endpoint) for each address, in ascending order.
  void for_each(const std::function<void(const Endpoint&)>& f) const;
  // Whether the address belongs to the spec (names never match).
  bool contains(const Endpoint& address) const;
};

// The largest CIDR block or range accepted, in addresses (an IPv4 /16, an IPv6 /112).
inline constexpr std::uint64_t kMaxTargetAddresses = std::uint64_t{1} << 16;

Parsed<TargetSpec> parse_target_spec(std::string_view word);

}  // namespace nbc
