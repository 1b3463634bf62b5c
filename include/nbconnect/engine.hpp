// Many connects at once: the scan engine. A Scanner runs a plan's probes on one Reactor — the
// caller's own loop, or an EventLoop; Engine runs one Scanner per thread, each on an EventLoop of
// its own, with the probes sharded between them. Outcomes are delivered by callback on the loop
// that produced them. Every probe is an attempt run by the attempt driver (connector.hpp); the
// engine adds only the scheduling: the window, the rate, per-host caps, no-response retries and,
// when asked, timeouts adapted to each host's measured round trip (ScanTiming).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nbconnect/endpoint.hpp"
#include "nbconnect/options.hpp"
#include "nbconnect/outcome.hpp"
#include "nbconnect/reactor.hpp"

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
  // Probes to leave out, by canonical index (a resumed scan's finished probes), sorted ascending
  // without duplicates; null or empty: none. Looked up as each probe is drawn, never copied.
  std::shared_ptr<const std::vector<std::uint64_t>> skip;

  // Probes in the plan, shards included.
  std::uint64_t size() const;
  // Probes this plan's shard runs: the shard's probes less those in `skip`.
  std::uint64_t shard_size() const;
  // Probes of this plan's shard that are in `skip`.
  std::uint64_t skipped() const;
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
  std::uint64_t in_flight = 0;  // probes started and waiting for their outcome
  // Until the latest deadline of the probes in flight, their remaining retries included: an
  // upper estimate (a probe that answers ends sooner), 0 when none waits.
  std::chrono::nanoseconds pending{0};
};

// Adaptive timeouts (docs/timing.md). Off (the library's default): every attempt waits
// connect.timeout and a no-response is retried `retries` times. On: each loop estimates each host's
// round trip from the answers it got (SYN-ACK, RST, ICMP unreachable) as RFC 6298 does (SRTT and
// RTTVAR, alpha 1/8, beta 1/4) and gives every attempt on that host the timeout SRTT +
// max(1 ms, 4 RTTVAR) within [min_rtt_timeout, max_rtt_timeout]; before the host's first answer,
// initial_rtt_timeout. A probe waiting in flight is judged against its host's current timeout, so
// probes started before the first answer do not all wait the initial one. Each retry doubles the
// timeout (within max_rtt_timeout), and `retries` is a maximum: beyond the first retry, a probe is
// retried only on a host that has answered a retry before (it loses packets, so retries pay off).
// A host that never answers waits initial * 3 per probe at most; in no case does a probe wait more
// than max_rtt_timeout * (retries + 1). Estimates are per loop (per thread); a loop without an
// answer from a host yet uses another loop's latest timeout for it. Bounds that disagree are
// corrected: min is lowered to max, max raised to initial. connect.timeout is not used while
// adaptive.
struct ScanTiming {
  bool adaptive = false;
  std::chrono::nanoseconds initial_rtt_timeout = std::chrono::seconds(1);
  std::chrono::nanoseconds min_rtt_timeout = std::chrono::milliseconds(100);
  std::chrono::nanoseconds max_rtt_timeout = std::chrono::seconds(10);
};

struct EngineOptions {
  // Per attempt: timeout (unless timing.adaptive), detection method, backend, source address,
  // retries of local errors and self-connects, tracer. The engine closes every probe with linger 0
  // (no TIME_WAIT) unless keep_socket asks for open sockets.
  ConnectOptions connect = [] {
    ConnectOptions c;
    c.timeout = std::chrono::seconds(1);
    c.keep_socket = false;
    c.linger_zero = true;
    c.local_error_retries = 8;
    return c;
  }();
  // Sockets in flight over all loops; 0: derived from the current RLIMIT_NOFILE soft limit
  // (default_concurrency). The engine never changes the limit itself: call raise_fd_limit()
  // first for a larger window.
  std::size_t concurrency = 0;
  double rate = 0;           // attempts started per second over all loops; 0: no limit
  std::size_t per_host = 0;  // attempts in flight per address; 0: no cap
  int retries = 1;           // extra attempts after no-response (only); a maximum if adaptive
  ScanTiming timing;         // adaptive timeouts: off unless asked for
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
  // Engine::stop() ended the run before every probe had its outcome: `probes` counts those that
  // had one, the rest were never started or were closed unfinished.
  bool interrupted = false;
  std::chrono::nanoseconds elapsed{0};
};

// Runs a plan's shard on a Reactor the caller owns (one loop's worth of the engine). threads,
// progress_interval and on_progress are the Engine's and are ignored here.
class Scanner {
 public:
  using DoneCallback = std::function<void(const EngineStats& stats)>;

  // plan must stay valid while the Scanner runs. Throws std::invalid_argument for a bad shard.
  Scanner(Reactor& reactor, const ScanPlan& plan, const EngineOptions& options,
          ProbeCallback on_probe);
  // Destroying a running Scanner closes the probes in flight; no further callback.
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Starts the probes; `done` is called once, from the reactor's dispatch, after the last one.
  void start(DoneCallback done = {});
  // Stops starting probes and closes those in flight; `done` is not called.
  void stop();
  bool finished() const;
  // Counters so far (all of them once finished).
  EngineStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

class Engine {
 public:
  explicit Engine(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs every probe of the plan's shard to its final outcome, one EventLoop per thread. Blocks
  // until done, or until stop().
  EngineStats run(const ScanPlan& plan, const ProbeCallback& callback);

  // Ends run() early: no probe starts any more, those in flight are closed without an outcome
  // (no callback), and run() returns promptly, even while every probe waits for a long timeout,
  // with EngineStats::interrupted set. Sticky: a run() that begins after it returns at once.
  // Callable from any thread, and async-signal-safe (an atomic store and a write(2) to an
  // eventfd every loop watches), so a program's signal handler may call it; the library itself
  // installs none.
  void stop();
  bool stop_requested() const { return stop_.load(); }

  const EngineOptions& options() const { return options_; }

 private:
  EngineOptions options_;
  std::atomic<bool> stop_{false};
  // An eventfd that wakes every loop of a run on stop(); made by the first run(), closed by the
  // destructor, so that stop() never writes to a descriptor that was closed (and reused).
  std::atomic<int> wake_fd_{-1};
};

// Raises RLIMIT_NOFILE's soft limit to the hard limit and returns the new soft limit. A process-
// wide change, so the library never makes it on its own: the CLI calls it before a scan.
std::size_t raise_fd_limit();
// The current RLIMIT_NOFILE soft limit.
std::size_t fd_limit();
// The default in-flight window for a descriptor limit: the limit less a reserve for the rest of
// the program.
std::size_t default_concurrency(std::size_t fd_limit);

}  // namespace nbc
