// Checks after the handshake (docs/checks.md): a TLS handshake with certificate
// verification, a send/expect exchange and an HTTP request, run as stages of the same attempt on
// the connected socket, under the attempt's deadline. What to check (CheckOptions) and what was
// found (CheckReport, in OutcomeFacts::check).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nbc {

// The last check that ran decides the kind of the report: http over expect over tls.
enum class CheckKind : std::uint8_t { tls, expect, http };
std::string_view to_string(CheckKind kind);

// Why a check failed ("" when it passed).
// clang-format off
#define NBC_CHECK_REASON_MAP(X)                                   \
  X(none,               "")                                       \
  X(tls_handshake,      "tls-handshake")       /* OpenSSL's reason in detail */ \
  X(cert_untrusted,     "cert-untrusted")                         \
  X(cert_expired,       "cert-expired")                           \
  X(cert_name_mismatch, "cert-name-mismatch")                     \
  X(cert_expiring,      "cert-expiring")       /* --warn-expiry */ \
  X(tls_timeout,        "tls-timeout")                            \
  X(expect_mismatch,    "expect-mismatch")     /* the first bytes, escaped, in detail */ \
  X(expect_timeout,     "expect-timeout")                         \
  X(http_status,        "http-status")         /* the status code in detail */ \
  X(http_malformed,     "http-malformed")                         \
  X(http_timeout,       "http-timeout")                           \
  X(io_error,           "io-error")            /* the peer reset or closed the connection */
// clang-format on

enum class CheckReason : std::uint8_t {
#define NBC_CHECK_REASON_ENUM(id, name) id,
  NBC_CHECK_REASON_MAP(NBC_CHECK_REASON_ENUM)
#undef NBC_CHECK_REASON_ENUM
};
std::string_view to_string(CheckReason reason);

struct CheckOptions {
  // TLS handshake after connect (expect and HTTP then run inside the TLS session).
  bool tls = false;
  std::string sni;                 // server name sent and checked; "" sends none
  std::vector<std::string> alpn;   // protocols offered, in order of preference
  std::string ca_file;             // trust anchors (PEM); "" = the system store
  bool insecure = false;           // handshake only: no certificate verification
  std::optional<int> warn_expiry;  // fail when the leaf expires in fewer days than this

  // Send these bytes first (may be empty: expect then matches what the peer says first).
  std::optional<std::string> send;
  // A PCRE2 pattern matched against the bytes received (the body, with http).
  std::optional<std::string> expect;
  // At most this many bytes are read (and kept) per check; a match must appear within them.
  std::size_t read_bytes = 64 * 1024;

  // GET this path (HTTP/1.1, Connection: close) and check the status.
  std::optional<std::string> http_path;
  std::string http_host;  // Host header; "" = the target's address and port
  int http_status_min = 200;
  int http_status_max = 399;

  bool any() const {
    return tls || send.has_value() || expect.has_value() || http_path.has_value();
  }
};

// The facts of a TLS session that completed its handshake.
struct TlsFacts {
  std::string version;  // "TLSv1.3"
  std::string cipher;   // "TLS_AES_256_GCM_SHA384"
  std::string alpn;     // the protocol the server chose, "" when none
  std::string subject;  // the leaf certificate's subject (RFC 2253)
  std::string issuer;
  std::vector<std::string> sans;  // "DNS:example.com", "IP:127.0.0.1"
  std::optional<int> days_left;   // whole days until the leaf expires (negative: expired)
  bool verified = false;          // the chain and the name were verified
};

struct CheckReport {
  CheckKind kind = CheckKind::tls;
  bool ok = false;
  CheckReason reason = CheckReason::none;
  std::string detail;
  std::chrono::nanoseconds elapsed{0};  // from the first check's start to the last one's end
  std::optional<TlsFacts> tls;
  int http_status = 0;         // 0 when no status line was read
  std::size_t bytes_read = 0;  // bytes the expect or HTTP check read (after TLS)

  std::string_view reason_name() const { return to_string(reason); }
};

// Why `pattern` is not a valid --expect pattern (PCRE2 syntax), or "" when it is.
std::string check_pattern_error(std::string_view pattern);

// "TLS checks: OpenSSL 3.0.x ... (built with ...); patterns: PCRE2 10.42": what the checks run on
// here (`nbconnect --version`).
std::string check_library_versions();

}  // namespace nbc
