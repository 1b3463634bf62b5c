// The c-ares channel driven by the caller's loop (resolver.hpp).
#include "resolver.hpp"

#include <ares.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <mutex>

namespace nbc::detail {

struct Resolver::Pending {
  Resolver* resolver;
  Family family;
  AnswerFn done;
};

namespace {

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

}  // namespace

Reason reason_of_ares_status(int status) {
  switch (status) {
    case ARES_ENOTFOUND:
      return Reason::nxdomain;
    case ARES_ENODATA:
      return Reason::no_address;
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED:
      return Reason::dns_timeout;
    default:
      return Reason::dns_error;
  }
}

std::string describe_ares_status(int status) {
  if (status == ARES_ECANCELLED) return "no answer before the deadline";
  return ares_strerror(status);
}

namespace {

// The first wait for an answer, in milliseconds. c-ares (1.18) gives each server `timeout` in the
// first round over the servers and doubles it each further round, so a silent resolver takes
// servers * timeout * (2^tries - 1) in all. With a deadline, the first wait is cut so that all of
// it fits: every server gets its tries before the dial gives up, and no c-ares timer outlives the
// dial. Never below 10 ms, so that a tiny deadline does not flood the servers.
int first_wait_ms(const DialOptions& o, int servers) {
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(o.dns_timeout).count();
  if (o.deadline) {
    int tries = std::clamp(o.dns_tries, 1, 20);
    long long rounds = (1LL << tries) - 1;
    long long budget = std::chrono::floor<std::chrono::milliseconds>(*o.deadline).count();
    ms = std::min<long long>(ms, std::max<long long>(10, budget / (rounds * std::max(1, servers))));
  }
  return static_cast<int>(std::clamp<long long>(ms, 1, 3600 * 1000));
}

int server_count(ares_channel channel) {
  ares_addr_port_node* list = nullptr;
  if (ares_get_servers_ports(channel, &list) != ARES_SUCCESS) return 1;
  int n = 0;
  for (ares_addr_port_node* s = list; s; s = s->next) ++n;
  ares_free_data(list);
  return n;
}

}  // namespace

std::expected<std::unique_ptr<Resolver>, std::string> Resolver::create(const DialOptions& o,
                                                                       SocketStateFn on_socket) {
  init_library_once();
  std::unique_ptr<Resolver> r(new Resolver);
  r->on_socket_ = std::move(on_socket);
  std::string csv;
  for (const std::string& s : o.dns_servers) {
    if (!csv.empty()) csv += ',';
    csv += s;
  }
  // Makes the channel with the given first wait; "" or why not.
  auto make = [&](int timeout_ms) -> std::string {
    ares_options opts{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    opts.sock_state_cb = &Resolver::on_sock_state;
    opts.sock_state_cb_data = r.get();
    opts.timeout = timeout_ms;
    opts.tries = std::max(1, o.dns_tries);
    ares_channel channel = nullptr;
    int rc = ares_init_options(&channel, &opts, mask);
    if (rc != ARES_SUCCESS) return std::string("c-ares: ") + ares_strerror(rc);
    r->channel_ = channel;
    // c-ares opens its sockets without close-on-exec: a program that forks and execs while a
    // lookup runs must not hand them to the child.
    ares_set_socket_configure_callback(
        channel,
        [](ares_socket_t fd, int, void*) -> int {
          int flags = ::fcntl(fd, F_GETFD);
          return flags < 0 ? 0 : (::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0 ? -1 : 0);
        },
        nullptr);
    if (!csv.empty()) {
      rc = ares_set_servers_ports_csv(channel, csv.c_str());
      if (rc != ARES_SUCCESS) {
        return "invalid DNS server list " + quote(csv) + ": " + ares_strerror(rc);
      }
    }
    return "";
  };
  int timeout =
      first_wait_ms(o, o.dns_servers.empty() ? 1 : static_cast<int>(o.dns_servers.size()));
  if (std::string error = make(timeout); !error.empty()) return std::unexpected(error);
  if (o.deadline && o.dns_servers.empty()) {
    // The servers of /etc/resolv.conf are known only now: with more than one, make the channel
    // again (nothing was sent yet) with the wait that fits them all.
    int fitted = first_wait_ms(o, server_count(r->channel_));
    if (fitted != timeout) {
      ares_destroy(r->channel_);
      r->channel_ = nullptr;
      if (std::string error = make(fitted); !error.empty()) return std::unexpected(error);
    }
  }
  return r;
}

Resolver::~Resolver() {
  if (!channel_) return;
  // Pending lookups are answered with ARES_EDESTRUCTION, which on_answer drops; the sockets are
  // announced closed through on_sock_state first.
  destroying_ = true;
  ares_destroy(channel_);
}

void Resolver::on_sock_state(void* data, int fd, int readable, int writable) {
  auto* self = static_cast<Resolver*>(data);
  if (self->on_socket_) self->on_socket_(fd, readable != 0, writable != 0);
}

void Resolver::on_answer(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(arg));
  FamilyAnswer answer;
  answer.family = pending->family;
  answer.status = status;
  if (status == ARES_SUCCESS && result) {
    for (ares_addrinfo_node* n = result->nodes; n; n = n->ai_next) {
      if (!n->ai_addr) continue;
      Endpoint ep = Endpoint::from_sockaddr(n->ai_addr, static_cast<socklen_t>(n->ai_addrlen));
      if (ep.empty() || ep.family() != pending->family) continue;
      ep.set_port(0);
      bool seen = false;
      for (const Endpoint& e : answer.addresses) seen |= e == ep;
      if (!seen) answer.addresses.push_back(ep);
    }
    if (answer.addresses.empty()) answer.status = ARES_ENODATA;
  }
  if (result) ares_freeaddrinfo(result);
  if (status == ARES_EDESTRUCTION || pending->resolver->destroying_) return;
  pending->done(std::move(answer));
}

void Resolver::lookup(const std::string& host, Family family, AnswerFn done) {
  ares_addrinfo_hints hints{};
  hints.ai_family = family == Family::ipv6 ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  auto* pending = new Pending{this, family, std::move(done)};
  ares_getaddrinfo(channel_, host.c_str(), nullptr, &hints, &Resolver::on_answer, pending);
}

void Resolver::process(int fd, bool readable, bool writable) {
  ares_process_fd(channel_, readable ? fd : ARES_SOCKET_BAD, writable ? fd : ARES_SOCKET_BAD);
}

void Resolver::process_timeouts() {
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

std::optional<std::chrono::nanoseconds> Resolver::next_timeout() const {
  timeval tv{};
  timeval* t = ares_timeout(channel_, nullptr, &tv);
  if (!t) return std::nullopt;
  return std::chrono::seconds(t->tv_sec) + std::chrono::microseconds(t->tv_usec);
}

void Resolver::cancel() {
  ares_cancel(channel_);
}

}  // namespace nbc::detail
