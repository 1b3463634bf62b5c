// A c-ares channel driven by the caller's event loop: no blocking resolver, no thread per name.
// The caller watches the descriptors that the socket-state function announces, and hands their
// readiness and the passing of time back to process() and process_timeouts().
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nbconnect/dialer.hpp"

struct ares_channeldata;
struct ares_addrinfo;

namespace nbc::detail {

// What the lookup of one family gave: an ares status and the addresses (port 0).
struct FamilyAnswer {
  Family family = Family::unspec;
  int status = 0;  // ARES_SUCCESS, ARES_ENOTFOUND, ...
  std::vector<Endpoint> addresses;
};

// The reason of §1 that an ares status stands for (nxdomain, no-address, dns-timeout, dns-error).
Reason reason_of_ares_status(int status);
// The resolver's own text for a status.
std::string describe_ares_status(int status);

class Resolver {
 public:
  // Called when c-ares opens, changes interest in, or is about to close one of its sockets.
  using SocketStateFn = std::function<void(int fd, bool readable, bool writable)>;
  using AnswerFn = std::function<void(FamilyAnswer)>;

  // Makes a channel with the servers, timeout and tries of the options. On failure, the text
  // says why.
  static std::expected<std::unique_ptr<Resolver>, std::string> create(const DialOptions& options,
                                                                      SocketStateFn on_socket);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Starts the lookup of one family (hosts file, then DNS). The answer comes through `done`,
  // possibly from within lookup() itself (a hosts-file hit), else from process(),
  // process_timeouts() or cancel(). `done` must not destroy the Resolver.
  void lookup(const std::string& host, Family family, AnswerFn done);
  void process(int fd, bool readable, bool writable);
  void process_timeouts();
  // Time until c-ares wants process_timeouts(), or nothing when no query waits.
  std::optional<std::chrono::nanoseconds> next_timeout() const;
  // Ends every pending lookup with ARES_ECANCELLED.
  void cancel();

 private:
  struct Pending;
  Resolver() = default;
  static void on_sock_state(void* data, int fd, int readable, int writable);
  static void on_answer(void* arg, int status, int timeouts, ::ares_addrinfo* result);

  ::ares_channeldata* channel_ = nullptr;
  SocketStateFn on_socket_;
  bool destroying_ = false;
};

}  // namespace nbc::detail
