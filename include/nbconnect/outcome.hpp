// Outcome of one connect attempt: the shared vocabulary of the library and the CLI, described in
// docs/outcomes.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "nbconnect/check.hpp"
#include "nbconnect/endpoint.hpp"
#include "nbconnect/socket.hpp"

namespace nbc {

enum class State : std::uint8_t {
  open,
  closed,
  filtered,
  error,
  unresolved,
  open_filtered,  // "open|filtered": a UDP probe met silence (open and quiet, or dropped)
};
inline constexpr std::size_t kStateCount = 6;  // for tables indexed by State

// Where the answer was learnt.
// proxy: the proxy's reply to the handshake said it (docs/proxies.md).
enum class Phase : std::uint8_t { socket, connect, completion, deadline, resolve, proxy };

// Every reason and its name, in one table (docs/outcomes.md).
// clang-format off
#define NBC_REASON_MAP(X)                                                        \
  X(syn_ack,                   "syn-ack")                                        \
  X(conn_refused,              "conn-refused")                                   \
  X(self_connect,              "self-connect")                                   \
  X(no_response,               "no-response")                                    \
  X(host_unreach,              "host-unreach")                                   \
  X(net_unreach,               "net-unreach")                                    \
  X(admin_prohibited,          "admin-prohibited")                               \
  X(host_down,                 "host-down")                                      \
  X(local_resources,           "local-resources")                                \
  X(other_errno,               "")  /* the errno name in lower case: "econnreset" */ \
  X(fd_setsize,                "fd-setsize")  /* select cannot watch so large an fd */ \
  X(nxdomain,                  "nxdomain")                                       \
  X(no_address,                "no-address")                                     \
  X(dns_timeout,               "dns-timeout")                                    \
  X(dns_error,                 "dns-error")                                      \
  X(connected,                 "connected")     /* a UNIX-domain stream socket */ \
  X(backlog_full,              "backlog-full")  /* UNIX-domain EAGAIN: server busy */ \
  X(udp_response,              "udp-response")                                   \
  X(port_unreach,              "port-unreach")  /* UDP: ICMP port unreachable */  \
  X(proxy_failure,             "proxy-failure")                                  \
  X(proxy_command_unsupported, "proxy-command-unsupported")                      \
  X(proxy_address_unsupported, "proxy-address-unsupported")                      \
  X(proxy_denied,              "proxy-denied")                                   \
  X(proxy_auth,                "proxy-auth")                                     \
  X(proxy_gateway,             "proxy-gateway")                                  \
  X(proxy_http,                "proxy-http")  /* named proxy-http-STATUS */        \
  X(proxy_unreachable,         "proxy-unreachable")                              \
  X(proxy_refused,             "proxy-refused")                                  \
  X(proxy_protocol,            "proxy-protocol")
// clang-format on

enum class Reason : std::uint8_t {
#define NBC_REASON_ENUM(id, name) id,
  NBC_REASON_MAP(NBC_REASON_ENUM)
#undef NBC_REASON_ENUM
};

std::string_view to_string(State state);
std::string_view to_string(Phase phase);

// The symbolic errno name ("ECONNREFUSED"), or "" for 0 and unknown values.
std::string_view errno_name(int err);

// Reason and state that an errno from connect() or SO_ERROR stands for (docs/outcomes.md).
struct Classification {
  State state;
  Reason reason;
};
Classification classify_errno(int err);

// True for errors that say something about this host, never about the peer: running out of
// descriptors, memory, buffers or local ports.
bool is_local_error(int err);

// Everything an outcome says, without the socket: copyable.
struct OutcomeFacts {
  State state = State::error;
  Reason reason = Reason::other_errno;
  int error = 0;  // the errno that proved the outcome, 0 when none did
  Phase phase = Phase::socket;
  std::chrono::nanoseconds rtt{0};
  Endpoint peer;
  Protocol protocol = Protocol::tcp;
  Endpoint local;      // the local address when known
  int attempts = 1;    // sockets used, counting retries with a fresh socket
  std::string detail;  // extra human text (e.g. the list of addresses a dialer tried)
  std::string proxy;   // the proxy connected through, "socks5://HOST:PORT" (no credentials), or ""
  // The proxy's own answer code: the HTTP CONNECT status or the SOCKS5 reply code (0 when none
  // came). Reason::proxy_http is named "proxy-http-STATUS" from it.
  int proxy_status = 0;
  // What the checks after connect found (check.hpp), when ConnectOptions asked for any; the
  // state stays open when a check fails.
  std::optional<CheckReport> check;

  // "conn-refused", "syn-ack", "econnreset", ...
  std::string reason_name() const;
  // The system error behind the outcome (empty when none).
  std::error_code error_code() const { return {error, std::generic_category()}; }
  bool is_open() const { return state == State::open; }
};

// An outcome and, when open and kept, the connected socket. Fields belong in OutcomeFacts, so
// that copy_without_socket() can never leave one behind.
struct Outcome : OutcomeFacts {
  Socket socket;  // the connected socket when open and kept

  Outcome copy_without_socket() const {
    Outcome c;
    static_cast<OutcomeFacts&>(c) = *this;
    return c;
  }
};

// The reason's name: `err` names Reason::other_errno ("econnreset"), `proxy_status` names
// Reason::proxy_http ("proxy-http-500"; plain "proxy-http" when 0). OutcomeFacts::reason_name()
// is this of its own fields; a scan's rows (which keep no Outcome) name their reason with it too.
std::string reason_name(Reason reason, int err, int proxy_status = 0);

// std::error_code interop for reasons, in the style of asio's error.hpp.
const std::error_category& reason_category();
std::error_code make_error_code(Reason reason);

}  // namespace nbc

template <>
struct std::is_error_code_enum<nbc::Reason> : std::true_type {};
