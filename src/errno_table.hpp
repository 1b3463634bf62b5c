// The one table of errno names and their classification (docs/outcomes.md), in the style of libuv's
// UV_ERRNO_MAP: name, state, reason. Errnos not listed are classified as error/<name in lower
// case>.
#pragma once

#include <cerrno>

// clang-format off
#define NBC_ERRNO_MAP(X)                                  \
  X(ECONNREFUSED,  closed,   conn_refused)                \
  X(ENOENT,        closed,   other_errno)  /* a UNIX socket path that does not exist */ \
  X(ETIMEDOUT,     filtered, no_response)                 \
  X(EHOSTUNREACH,  filtered, host_unreach)                \
  X(ENETUNREACH,   filtered, net_unreach)                 \
  X(EACCES,        filtered, admin_prohibited)            \
  X(EPERM,         filtered, admin_prohibited)            \
  X(EHOSTDOWN,     filtered, host_down)                   \
  X(ENONET,        filtered, host_down)                   \
  X(ENOPROTOOPT,   filtered, host_down)                   \
  X(EMFILE,        error,    local_resources)             \
  X(ENFILE,        error,    local_resources)             \
  X(ENOBUFS,       error,    local_resources)             \
  X(ENOMEM,        error,    local_resources)             \
  X(EADDRNOTAVAIL, error,    local_resources)             \
  X(EAGAIN,        error,    local_resources)             \
  X(ECONNRESET,    error,    other_errno)                 \
  X(ECONNABORTED,  error,    other_errno)                 \
  X(EINVAL,        error,    other_errno)                 \
  X(EADDRINUSE,    error,    other_errno)                 \
  X(EAFNOSUPPORT,  error,    other_errno)                 \
  X(EINPROGRESS,   error,    other_errno)                 \
  X(EALREADY,      error,    other_errno)                 \
  X(EISCONN,       error,    other_errno)                 \
  X(ENOTCONN,      error,    other_errno)                 \
  X(EINTR,         error,    other_errno)                 \
  X(EPIPE,         error,    other_errno)                 \
  X(EBADF,         error,    other_errno)                 \
  X(EPROTO,        error,    other_errno)
// clang-format on
