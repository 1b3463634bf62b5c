// Host names done right: asynchronous resolution with c-ares and Happy Eyeballs v2 (RFC 8305),
// on one Reactor shared by any number of dials: the Dialer's own EventLoop, or the caller's.
#pragma once

#include <chrono>
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

struct DialOptions {
  // Per attempt: timeout, detection method, poller backend, source address, socket options.
  ConnectOptions connect;
  // Family::ipv4 or Family::ipv6 restricts the dial (and the resolution) to that family.
  Family family = Family::unspec;
  // RFC 8305 "Connection Attempt Delay": the next address is tried this long after the previous
  // attempt started, or as soon as it failed. Earlier attempts keep running.
  std::chrono::nanoseconds attempt_delay = std::chrono::milliseconds(250);
  // RFC 8305 "Resolution Delay": how long an A answer waits for the AAAA answer.
  std::chrono::nanoseconds resolution_delay = std::chrono::milliseconds(50);
  // The overall limit, resolution included. Unset: only the per-attempt timeouts bound the dial.
  std::optional<std::chrono::nanoseconds> deadline;
  // The most addresses one dial tries. A name with hundreds of records would otherwise start an
  // attempt every attempt_delay for minutes; the addresses past the cap are listed in
  // DialResult::addresses (and the failure's detail) but not tried. 0: no cap.
  std::size_t max_addresses = 16;
  // DNS servers as "ADDR", "ADDR:PORT" or "[V6]:PORT". Empty: those of /etc/resolv.conf.
  std::vector<std::string> dns_servers;
  // How long one DNS query waits for its answer, and how often it is sent to each server.
  // c-ares doubles the wait after each round over the servers; with a deadline, the first wait is
  // shortened so that every try of every server fits in it (never below 10 ms): the resolver's
  // own timeouts never outlive the dial.
  std::chrono::nanoseconds dns_timeout = std::chrono::seconds(2);
  int dns_tries = 2;
};

// The addresses of a name, in the order Happy Eyeballs tries them (IPv6 first, then the
// families interleaved), with the port set.
struct Resolution {
  std::vector<Endpoint> addresses;
  // When no address was found: state unresolved; reason nxdomain, no-address, dns-timeout or
  // dns-error; phase resolve; detail says what the resolver said.
  Outcome failure;
  std::chrono::nanoseconds elapsed{0};
  bool ok() const { return !addresses.empty(); }
};

struct DialResult {
  // The connection that won (open, with its socket when options.connect.keep_socket), or the
  // outcome that stands for the whole dial when every address failed: its detail lists each
  // address and what happened to it.
  Outcome outcome;
  // Every attempt that finished, in start order, the winner included (without its socket).
  // Attempts still connecting when another address won are closed and not listed.
  std::vector<Outcome> tried;
  // Every address the name resolved to, in the order they were to be tried.
  std::vector<Endpoint> addresses;
  std::chrono::nanoseconds elapsed{0};  // from the start of the dial to its result
};

// Runs many dials and resolutions concurrently on one Reactor, c-ares sockets included.
// Single-threaded: call everything from the thread that runs the loop. Callbacks run from the
// loop's dispatch (never from inside dial() or resolve()) and may start or cancel dials.
class Dialer {
 public:
  using Id = std::uint64_t;
  using DialCallback = std::function<void(DialResult)>;
  using ResolveCallback = std::function<void(Resolution)>;

  // On an EventLoop of its own, driven by run_once()/run(). Throws std::system_error when the
  // loop cannot be made.
  explicit Dialer(Backend backend = Backend::epoll);
  // On the caller's reactor, which must outlive the Dialer; the caller runs the loop.
  explicit Dialer(Reactor& reactor);
  ~Dialer();
  Dialer(const Dialer&) = delete;
  Dialer& operator=(const Dialer&) = delete;

  // Dials a name (resolved first) or a literal.
  Id dial(const HostPort& target, const DialOptions& options, DialCallback done);
  // Dials addresses already resolved, in the order given (no DNS).
  Id dial(std::vector<Endpoint> addresses, const DialOptions& options, DialCallback done);
  // Resolves a name (or takes a literal as it is).
  Id resolve(const HostPort& target, const DialOptions& options, ResolveCallback done);
  // Stops a dial or resolution: its sockets are closed, its callback is not called.
  void cancel(Id id);
  // Dials and resolutions not finished yet.
  std::size_t pending() const;

  // With its own loop: waits for events at most `limit` (negative: as long as needed), handles
  // them and the timers that are due, and runs the callbacks of what finished. Returns false
  // when a signal interrupted the wait. (std::logic_error on the caller's reactor.)
  bool run_once(std::chrono::nanoseconds limit);
  // Runs until nothing is pending (signals do not stop it).
  void run();

  struct Impl;  // opaque: the loop and the dials

 private:
  std::unique_ptr<Impl> impl_;
};

// Dials one target on a private Dialer and returns the result.
DialResult dial(const HostPort& target, const DialOptions& options = {});
// Resolves one name on a private Dialer.
Resolution resolve(const HostPort& target, const DialOptions& options = {});

// Checks a DNS server word ("ADDR", "ADDR:PORT", "[V6]:PORT"); the error names the word.
Parsed<std::string> parse_dns_server(std::string_view text);

}  // namespace nbc
