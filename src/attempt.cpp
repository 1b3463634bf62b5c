// The connect state machine of one attempt (attempt.hpp).
#include "attempt.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <sys/select.h>

#include "sys.hpp"

namespace nbc::detail {
namespace {

const char* family_name(int af) {
  return af == AF_INET6 ? "AF_INET6" : af == AF_UNIX ? "AF_UNIX" : "AF_INET";
}

}  // namespace

Attempt::Attempt(const Endpoint& target, const ConnectOptions& options)
    : target_(target), options_(options), trace_(&options.trace) {
  outcome_.peer = target;
  if (target.af() != AF_UNIX) outcome_.protocol = options.protocol;
}

// Creates the socket, applies the options and binds. Returns false once finish() has run.
bool Attempt::open_socket(int type_flags, Clock::time_point now) {
  started_ = now;
  deadline_ = now + options_.timeout;
  const SysCalls& s = sys();

  // A UNIX-domain target is always a stream; --udp asks for a datagram socket.
  const bool unix_domain = target_.af() == AF_UNIX;
  const bool udp = options_.protocol == Protocol::udp && !unix_domain;
  const int protocol = unix_domain ? 0 : udp ? IPPROTO_UDP : IPPROTO_TCP;
  int fd = s.socket(target_.af(), (udp ? SOCK_DGRAM : SOCK_STREAM) | type_flags, protocol);
  int err = errno;
  trace_.call(fd, err, "socket({}, {}|{}SOCK_CLOEXEC, {})", family_name(target_.af()),
              udp ? "SOCK_DGRAM" : "SOCK_STREAM",
              (type_flags & SOCK_NONBLOCK) ? "SOCK_NONBLOCK|" : "",
              unix_domain ? "0"
              : udp       ? "IPPROTO_UDP"
                          : "IPPROTO_TCP");
  if (fd < 0) {
    finish(err, Phase::socket, now);
    return false;
  }
  socket_.reset(fd);

  if (options_.linger_zero) {
    // A probe closes with RST: no TIME_WAIT entry is left to hold the local port.
    linger lg{1, 0};
    int r = s.setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    err = errno;
    trace_.call(r, err, "setsockopt({}, SO_LINGER, {{on, 0s}})", fd);
    if (r < 0) {
      finish(err, Phase::socket, now);
      return false;
    }
  }
  for (const SocketOption& opt : options_.socket_options) {
    int r = s.setsockopt(fd, opt.level, opt.name, opt.value.data(),
                         static_cast<socklen_t>(opt.value.size()));
    err = errno;
    trace_.call(r, err, "setsockopt({}, level {}, option {}, {} bytes)", fd, opt.level, opt.name,
                opt.value.size());
    if (r < 0) {
      finish(err, Phase::socket, now);
      return false;
    }
  }
  if (options_.source) {
    if (options_.source->port() != 0) {
      // A fixed source port must be reusable while an earlier probe's socket lingers.
      int one = 1;
      s.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    int r = s.bind(fd, options_.source->data(), options_.source->size());
    err = errno;
    trace_.call(r, err, "bind({}, {})", fd, options_.source->to_string());
    if (r < 0) {
      finish(err, Phase::socket, now);
      return false;
    }
  }

  return true;
}

Step Attempt::start(Clock::time_point now) {
  if (!open_socket(SOCK_NONBLOCK | SOCK_CLOEXEC, now)) return Step::done;
  const SysCalls& s = sys();
  int fd = socket_.get();
  started_ = Clock::now();
  deadline_ = started_ + options_.timeout;
  int r = s.connect(fd, target_.data(), target_.size());
  int err = errno;
  trace_.call(r, err, "connect({}, {})", fd, target_.to_string());
  if (r == 0) {
    // Connected at once. It still takes the common path: the self-connect check and the
    // outcome are the same as after waiting.
    finish_connected(Clock::now());
    outcome_.phase = Phase::connect;
    return Step::done;
  }
  if (err == EINPROGRESS || err == EINTR) {
    // EINTR: the connect goes on asynchronously. Calling connect() again would be wrong (it
    // would answer EALREADY); wait for writability exactly as for EINPROGRESS.
    if (err == EINTR) trace_.note("connect() was interrupted: the connect continues, waiting");
    return Step::wait_writable;
  }
  // An immediate answer (ECONNREFUSED on loopback, ENETUNREACH, EAGAIN, ...).
  finish(err, Phase::connect, Clock::now());
  return Step::done;
}

Step Attempt::start_async(Clock::time_point now) {
  // A blocking socket: io_uring then tries the connect without blocking and waits for it itself.
  // A non-blocking one could complete the request with -EINPROGRESS instead.
  if (!open_socket(SOCK_CLOEXEC, now)) return Step::done;
  started_ = Clock::now();
  deadline_ = started_ + options_.timeout;
  return Step::wait_writable;
}

Step Attempt::on_connect_result(int res, Clock::time_point now) {
  if (done_) return Step::done;
  int fd = socket_.get();
  trace_.call(res < 0 ? -1 : 0, res < 0 ? -res : 0, "IORING_OP_CONNECT({}, {})", fd,
              target_.to_string());
  if (res == -ECANCELED) {
    on_deadline(now);
    return Step::done;
  }
  if (res < 0) {
    finish(-res, Phase::completion, now);
    return Step::done;
  }
  // Whoever takes the socket gets it non-blocking, as from the readiness path; so does a wait.
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  // A completion of 0 is not proof enough: an ICMP error that closed the socket can complete the
  // request with 0 (seen on 6.18). The detection method has the last word, as after readiness;
  // when it cannot tell yet (getpeername and reconnect do not see a soft error), wait for the
  // socket like any other.
  return on_ready(now);
}

Step Attempt::on_ready(Clock::time_point now) {
  if (done_) return Step::done;
  // The events alone prove nothing: a failed connect is reported writable too.
  Verdict v = detect(options_.method, socket_.get(), target_, trace_);
  switch (v.kind) {
    case Verdict::connected:
      finish_connected(now);
      return Step::done;
    case Verdict::failed:
      finish(v.error, Phase::completion, now);
      return Step::done;
    case Verdict::pending:
      break;
  }
  if (now >= deadline_) {
    on_deadline(now);
    return Step::done;
  }
  return Step::wait_writable;
}

void Attempt::on_refused(int err, Clock::time_point now) {
  if (done_) return;
  if (err == ERANGE) {
    trace_.note("descriptor {} is not below FD_SETSIZE ({}): select() cannot watch it",
                socket_.get(), FD_SETSIZE);
    outcome_.detail = fmt::format(
        "descriptor {} is not below FD_SETSIZE ({}): the select backend cannot watch it; use "
        "--backend poll or epoll",
        socket_.get(), FD_SETSIZE);
    finish(0, Phase::socket, now);
    outcome_.state = State::error;
    outcome_.reason = Reason::fd_setsize;
    return;
  }
  outcome_.detail = fmt::format("the event loop would not watch the socket: {}", strerror(err));
  finish(err, Phase::socket, now);
}

void Attempt::on_deadline(Clock::time_point now) {
  if (done_) return;
  trace_.note("deadline of {:.3f} ms passed with no answer", to_ms(options_.timeout));
  finish(0, Phase::deadline, now);
}

void Attempt::finish_connected(Clock::time_point now) {
  const SysCalls& s = sys();
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  int fd = socket_.get();
  int r = s.getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  int err = errno;
  trace_.call(r, err, "getsockname({})", fd);
  if (r == 0) outcome_.local = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&local), len);
  bool self_connect = r == 0 && outcome_.local == target_;
  done_ = true;
  outcome_.state = self_connect ? State::closed : State::open;
  outcome_.reason = self_connect                         ? Reason::self_connect
                    : target_.af() == AF_UNIX            ? Reason::connected
                    : options_.protocol == Protocol::udp ? Reason::udp_response  // stage decides
                                                         : Reason::syn_ack;
  outcome_.error = 0;
  outcome_.phase = Phase::completion;
  outcome_.rtt = now - started_;
  if (self_connect) {
    // TCP simultaneous open on loopback: the socket connected to itself. It looks open, but
    // nobody listens there.
    trace_.note("local address {} equals the peer: self-connect", outcome_.local.to_string());
  }
}

void Attempt::finish(int err, Phase phase, Clock::time_point now) {
  done_ = true;
  outcome_.error = err;
  outcome_.phase = phase;
  outcome_.rtt = now - started_;
  if (phase == Phase::deadline) {
    outcome_.state = State::filtered;
    outcome_.reason = Reason::no_response;
  } else if (err == EAGAIN && target_.af() == AF_UNIX) {
    // The trap: on a UNIX stream socket EAGAIN is the server's full listen backlog, not a local
    // shortage. The driver tries again with a fresh socket until the deadline.
    outcome_.state = State::filtered;
    outcome_.reason = Reason::backlog_full;
  } else {
    Classification c = classify_errno(err);
    outcome_.state = c.state;
    outcome_.reason = c.reason;
  }
}

void Attempt::close_socket() {
  if (!socket_) return;
  int fd = socket_.release();
  int r = sys().close(fd);
  trace_.call(r, errno, "close({})", fd);
}

Outcome Attempt::take() {
  if (hands_over_socket()) {
    outcome_.socket = std::move(socket_);
  } else {
    // A failed socket is never connected again: it is closed, and a retry takes a fresh one.
    close_socket();
  }
  return std::move(outcome_);
}

}  // namespace nbc::detail
