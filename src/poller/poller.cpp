// What every poller shares: the trace of a wait, the factory, and the Backend names.
#include "poller/poller.hpp"

#include <fmt/format.h>

#include <cerrno>

#include "nbconnect/outcome.hpp"

namespace nbc::detail {

std::string poll_bits_to_string(std::uint32_t bits) {
  std::string out;
  auto add = [&](std::uint32_t bit, const char* name) {
    if (!(bits & bit)) return;
    if (!out.empty()) out += '|';
    out += name;
  };
  add(kReadable, "IN");
  add(kWritable, "OUT");
  add(kError, "ERR");
  add(kHangup, "HUP");
  add(kConnected, "CONNECTED");
  return out.empty() ? "0" : out;
}

void Poller::trace_wait(std::string_view call, int result, int err,
                        std::span<const PollEvent> events, std::chrono::nanoseconds timeout) const {
  if (!tracer_ || !*tracer_) return;
  std::string line = fmt::format("{}(timeout={:.3f}ms) = ", call, to_ms(timeout));
  if (result < 0) {
    line += fmt::format("-1 {}", errno_name(err));
  } else {
    line += std::to_string(result);
    for (const PollEvent& event : events) {
      auto fd = static_cast<std::uint32_t>(event.token & 0xffffffffu);
      if (event.events & kConnected) {
        line += fmt::format(" [{}: connect {}]", fd,
                            event.result < 0 ? errno_name(-event.result) : "0");
      } else {
        line += fmt::format(" [{}: {}]", fd, poll_bits_to_string(event.events));
      }
    }
  }
  (*tracer_)(line);
}

int Poller::connect(int, const Endpoint&, std::chrono::nanoseconds, std::uint64_t) {
  return -EOPNOTSUPP;
}

std::expected<std::unique_ptr<Poller>, int> make_poller(Backend backend, unsigned capacity_hint,
                                                        bool uring_connect) {
  switch (backend) {
    case Backend::epoll:
      return make_epoll_poller();
    case Backend::poll:
      return make_poll_poller();
    case Backend::select:
      return make_select_poller();
    case Backend::uring:
      return make_uring_poller(capacity_hint, uring_connect);
  }
  return std::unexpected(-EINVAL);
}

#ifndef NBC_HAVE_URING
// Built without liburing: the backend is reported unavailable.
std::expected<std::unique_ptr<Poller>, int> make_uring_poller(unsigned, bool) {
  return std::unexpected(-ENOSYS);
}
bool uring_available() {
  return false;
}
#endif

}  // namespace nbc::detail

namespace nbc {

std::string_view to_string(Backend backend) {
  switch (backend) {
    case Backend::epoll:
      return "epoll";
    case Backend::poll:
      return "poll";
    case Backend::select:
      return "select";
    case Backend::uring:
      return "uring";
  }
  return "epoll";
}

std::optional<Backend> parse_backend(std::string_view text) {
  for (Backend b : {Backend::epoll, Backend::poll, Backend::select, Backend::uring}) {
    if (text == to_string(b)) return b;
  }
  return std::nullopt;
}

bool backend_available(Backend backend) {
  return backend != Backend::uring || detail::uring_available();
}

}  // namespace nbc
