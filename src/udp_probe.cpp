// The UDP probe stage (udp_probe.hpp).
#include "udp_probe.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace nbc {

std::string_view to_string(Protocol protocol) {
  return protocol == Protocol::udp ? "udp" : "tcp";
}

namespace detail {
namespace {

struct IcmpClass {
  State state;
  Reason reason;
};

// What an ICMP (or ICMPv6) destination-unreachable code says about the port.
IcmpClass classify_icmp(const sock_extended_err& ee) {
  if (ee.ee_origin == SO_EE_ORIGIN_ICMP && ee.ee_type == 3) {
    switch (ee.ee_code) {
      case 3:
        return {State::closed, Reason::port_unreach};
      case 0:
      case 6:
        return {State::filtered, Reason::net_unreach};
      case 9:
      case 10:
      case 13:
        return {State::filtered, Reason::admin_prohibited};
      default:
        return {State::filtered, Reason::host_unreach};
    }
  }
  if (ee.ee_origin == SO_EE_ORIGIN_ICMP6 && ee.ee_type == 1) {
    switch (ee.ee_code) {
      case 4:
        return {State::closed, Reason::port_unreach};
      case 0:
        return {State::filtered, Reason::net_unreach};
      case 1:
      case 5:
      case 6:
        return {State::filtered, Reason::admin_prohibited};
      default:
        return {State::filtered, Reason::host_unreach};
    }
  }
  // Time exceeded, a local error, ...: the errno decides.
  if (static_cast<int>(ee.ee_errno) == ECONNREFUSED) return {State::closed, Reason::port_unreach};
  Classification c = classify_errno(static_cast<int>(ee.ee_errno));
  return {c.state, c.reason};
}

}  // namespace

Stage::Want UdpProbe::start(int fd, Clock::time_point now, Clock::time_point deadline) {
  // The ICMP error behind an errno is queued with its type and code: port-unreachable and
  // administratively prohibited both read as errors otherwise hard to tell apart.
  int one = 1;
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len);
  int r = peer.ss_family == AF_INET6 ? ::setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof one)
                                     : ::setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof one);
  trace_.call(r, errno, "setsockopt({}, {})", fd,
              peer.ss_family == AF_INET6 ? "IPV6_RECVERR" : "IP_RECVERR");
  if (peer.ss_family == AF_INET6) ::setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof one);
  first_sent_ = now;
  if (options_.udp_resends > 0) {
    interval_ = (deadline - now) / (options_.udp_resends + 1);
    next_send_ = now + interval_;
  }
  return send_probe(fd, now);
}

Stage::Want UdpProbe::send_probe(int fd, Clock::time_point now) {
  const auto& payload = options_.udp_payload;
  ssize_t n = ::send(fd, payload.data(), payload.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  int err = errno;
  ++sends_;
  trace_.call(static_cast<int>(n), err, "send({}, {} bytes, MSG_NOSIGNAL|MSG_DONTWAIT) [probe {}]",
              fd, payload.size(), sends_);
  // A full send buffer only delays the probe; the reply (or silence) still decides.
  if (n < 0 && err != EAGAIN && err != EWOULDBLOCK) return failed(fd, err, Phase::connect, now);
  return Want::readable;
}

Stage::Want UdpProbe::on_ready(int fd, Clock::time_point now) {
  unsigned char byte = 0;
  // MSG_TRUNC: the datagram's real length, although one byte is read (and the rest dropped).
  ssize_t n = ::recv(fd, &byte, 1, MSG_DONTWAIT | MSG_TRUNC);
  int err = errno;
  trace_.call(static_cast<int>(n), err, "recv({}, 1, MSG_DONTWAIT|MSG_TRUNC)", fd);
  if (n >= 0) {
    state_ = State::open;
    reason_ = Reason::udp_response;
    error_ = 0;
    phase_ = Phase::completion;
    answered_ = now;
    return Want::done;
  }
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return Want::readable;
  return failed(fd, err, Phase::completion, now);
}

Stage::Want UdpProbe::on_wake(int fd, Clock::time_point now) {
  if (now < next_send_) return on_ready(fd, now);
  trace_.note("no answer after {:.3f} ms: sending the probe again", to_ms(now - first_sent_));
  Want want = send_probe(fd, now);
  next_send_ = sends_ <= options_.udp_resends ? next_send_ + interval_ : Clock::time_point::max();
  return want;
}

// An error from send() or recv(): the ICMP message behind it, when queued, says which kind.
Stage::Want UdpProbe::failed(int fd, int err, Phase phase, Clock::time_point now) {
  error_ = err;
  phase_ = phase;
  answered_ = now;
  if (err == ECONNREFUSED) {
    state_ = State::closed;
    reason_ = Reason::port_unreach;
  } else {
    Classification c = classify_errno(err);
    state_ = c.state;
    reason_ = c.reason;
  }
  alignas(sock_extended_err) char control[256];
  sockaddr_storage from{};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t r = ::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
  int rerr = errno;
  if (r < 0) {
    trace_.call(-1, rerr, "recvmsg({}, MSG_ERRQUEUE)", fd);
    return Want::done;
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
    bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if (!v4 && !v6) continue;
    sock_extended_err ee;
    std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
    IcmpClass k = classify_icmp(ee);
    state_ = k.state;
    reason_ = k.reason;
    if (ee.ee_errno != 0) error_ = static_cast<int>(ee.ee_errno);
    trace_.note("recvmsg({}, MSG_ERRQUEUE) = {} origin {} type {} code {}: {}", fd,
                errno_name(static_cast<int>(ee.ee_errno)), ee.ee_origin, ee.ee_type, ee.ee_code,
                reason_name(reason_, error_));
    break;
  }
  return Want::done;
}

void UdpProbe::on_deadline(Clock::time_point now) {
  trace_.note("no datagram and no ICMP error in {:.3f} ms: open|filtered",
              to_ms(now - first_sent_));
  state_ = State::open_filtered;
  reason_ = Reason::no_response;
  error_ = 0;
  phase_ = Phase::deadline;
  answered_ = now;
}

bool UdpProbe::finish(Outcome& outcome) {
  outcome.state = state_;
  outcome.reason = reason_;
  outcome.error = error_;
  outcome.phase = phase_;
  outcome.rtt = answered_ - first_sent_;
  return state_ == State::open;
}

}  // namespace detail
}  // namespace nbc
