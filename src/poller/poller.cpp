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
      // The readiness API reports the caller's token; the single connect uses the descriptor.
      std::uint64_t id = event.fd >= 0 ? static_cast<std::uint64_t>(event.fd) : event.token;
      line += fmt::format(" [{}: {}]", id, poll_bits_to_string(event.events));
    }
  }
  (*tracer_)(line);
}

std::expected<std::unique_ptr<Poller>, int> make_poller(Backend backend, unsigned capacity_hint) {
  int err = 0;
  std::unique_ptr<Poller> poller;
  switch (backend) {
    case Backend::epoll:
      poller = make_epoll_poller(err);
      break;
    case Backend::poll:
      poller = make_poll_poller(err);
      break;
    case Backend::select:
      poller = make_select_poller(err);
      break;
    case Backend::uring:
      poller = make_uring_poller(capacity_hint, err);
      break;
  }
  if (!poller) return std::unexpected(err ? err : ENOSYS);
  return poller;
}

#ifndef NBC_HAVE_URING
std::unique_ptr<Poller> make_uring_poller(unsigned, int& err) {
  err = ENOSYS;
  return nullptr;
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
