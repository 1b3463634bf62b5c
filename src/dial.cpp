// One dial of the Dialer (dial.hpp): Happy Eyeballs v2 for one name or address list.
#include "dial.hpp"

#include <ares.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace nbc::detail {
namespace {

constexpr Clock::time_point kNever = Clock::time_point::max();
// Addresses not tried that a failure's detail names one by one.
constexpr std::size_t kNamedUntried = 8;

// How well an outcome speaks for a dial where every address failed: a peer that answered
// (closed) says most, silence (filtered) less, a local error least.
int failure_rank(const Outcome& o) {
  switch (o.state) {
    case State::closed:
      return 0;
    case State::filtered:
      return 1;
    case State::error:
      return 2;
    default:
      return 3;
  }
}

std::string brief(const Outcome& o) {
  return fmt::format("{} {} ({})", o.peer.to_string(), to_string(o.state), o.reason_name());
}

}  // namespace

Dial::Dial(Reactor& reactor, DialOptions options, Mode mode, std::function<void(Dial&)> finished)
    : reactor_(reactor),
      options_(std::move(options)),
      mode_(mode),
      on_finished_(std::move(finished)),
      trace_(&options_.connect.trace) {}

Dial::~Dial() {
  reactor_.disarm(*this);
  // The resolver first: destroying it announces its sockets closed, which unwatches them.
  resolver_.reset();
  for (auto& [fd, watch] : dns_watches_) reactor_.unwatch(fd, false);
  dns_watches_.clear();
  slots_.clear();  // each driver closes a socket still connecting
}

bool Dial::family_wanted(Family f) const {
  return options_.family == Family::unspec || options_.family == f;
}

void Dial::set_deadline() {
  deadline_ = options_.deadline ? started_ + *options_.deadline : kNever;
}

bool Dial::has_queued() const {
  return !fixed_.empty() || !v6_.queue.empty() || !v4_.queue.empty();
}

bool Dial::may_start() const {
  return has_queued() && (options_.max_addresses == 0 || slots_.size() < options_.max_addresses);
}

void Dial::start_with_addresses(std::vector<Endpoint> addresses, std::uint16_t port) {
  started_ = Clock::now();
  set_deadline();
  for (Endpoint& ep : addresses) {
    if (!family_wanted(ep.family())) continue;
    if (port != 0) ep.set_port(port);
    fixed_.push_back(ep);
    addresses_.push_back(ep);
  }
  can_connect_ = true;
  if (addresses_.empty()) {
    fail_unresolved(Reason::no_address, "no address of the requested family", Clock::now());
  } else if (mode_ == Mode::resolve) {
    finish_resolution();
  } else {
    pump(Clock::now());
  }
  rearm(Clock::now());
}

void Dial::start_with_name(const std::string& host, std::uint16_t port) {
  started_ = Clock::now();
  set_deadline();
  port_ = port;
  auto made =
      Resolver::create(options_, [this](int fd, bool r, bool w) { on_dns_socket(fd, r, w); });
  if (!made) {
    fail_unresolved(Reason::dns_error, made.error(), Clock::now());
    rearm(Clock::now());
    return;
  }
  resolver_ = std::move(*made);
  host_ = host;
  trace_.note("resolving {} with c-ares ({}{}{})", host, family_wanted(Family::ipv6) ? "AAAA" : "",
              family_wanted(Family::ipv6) && family_wanted(Family::ipv4) ? " and " : "",
              family_wanted(Family::ipv4) ? "A" : "");
  // AAAA first: RFC 8305 sends it first so that its answer tends to come first.
  v6_.pending = v6_.asked = family_wanted(Family::ipv6);
  v4_.pending = v4_.asked = family_wanted(Family::ipv4);
  if (v6_.asked) resolver_->lookup(host, Family::ipv6, [this](FamilyAnswer a) { on_answer(a); });
  if (v4_.asked) resolver_->lookup(host, Family::ipv4, [this](FamilyAnswer a) { on_answer(a); });
  pump(Clock::now());
  rearm(Clock::now());
}

void Dial::on_timer() {
  if (finished_) {
    if (delivered_) return;
    delivered_ = true;
    // The callback may destroy this dial: call a copy, and touch nothing after it.
    auto finished = on_finished_;
    finished(*this);
    return;
  }
  Clock::time_point now = Clock::now();
  if (resolver_ && (v4_.pending || v6_.pending)) resolver_->process_timeouts();
  if (!finished_ && now >= deadline_) on_overall_deadline(now);
  pump(now);
  rearm(Clock::now());
}

void Dial::rearm(Clock::time_point now) {
  if (finished_) {
    // The result is delivered from the reactor's dispatch, never from inside a start call.
    if (!delivered_) reactor_.arm(*this, now);
    return;
  }
  Clock::time_point t = deadline_;
  if (can_connect_ && may_start() && mode_ == Mode::dial) t = std::min(t, next_start_);
  if (!can_connect_) t = std::min(t, resolution_delay_until_);
  if (resolver_ && (v4_.pending || v6_.pending)) {
    if (auto left = resolver_->next_timeout()) {
      t = std::min(t, now + std::chrono::duration_cast<Clock::duration>(*left));
    }
  }
  if (t == kNever) {
    reactor_.disarm(*this);
  } else {
    reactor_.arm(*this, std::max(t, now));
  }
}

void Dial::on_dns_io(int fd, std::uint32_t events) {
  if (finished_ || !resolver_) return;
  bool readable = events & (io::readable | io::error | io::hangup);
  bool writable = events & io::writable;
  resolver_->process(fd, readable, writable);
  pump(Clock::now());
  rearm(Clock::now());
}

void Dial::on_dns_socket(int fd, bool readable, bool writable) {
  auto it = dns_watches_.find(fd);
  if (it != dns_watches_.end()) {
    reactor_.unwatch(fd, !readable && !writable);
    dns_watches_.erase(it);
  }
  if (!readable && !writable) return;
  std::uint32_t interest = (readable ? io::readable : 0u) | (writable ? io::writable : 0u);
  auto watch = std::make_unique<DnsWatch>(*this, fd);
  // A socket the reactor refuses is left to c-ares' own timeout: the query then fails as a DNS
  // timeout instead of hanging.
  if (reactor_.watch(fd, interest, *watch) == 0) dns_watches_[fd] = std::move(watch);
}

void Dial::on_answer(const FamilyAnswer& a) {
  if (finished_) return;
  FamilyState& fs = a.family == Family::ipv6 ? v6_ : v4_;
  if (!fs.pending) return;  // cancelled at the deadline: the dial has moved on
  fs.pending = false;
  fs.status = a.status;
  if (trace_.on()) {
    std::string list;
    for (const Endpoint& ep : a.addresses) list += " " + ep.address();
    trace_.note("{} answer for {} after {:.3f} ms:{}", a.family == Family::ipv6 ? "AAAA" : "A",
                host_, to_ms(Clock::now() - started_),
                a.status == 0 ? list : " " + describe_ares_status(a.status));
  }
  for (Endpoint ep : a.addresses) {
    ep.set_port(port_);
    fs.queue.push_back(ep);
  }
  Clock::time_point now = Clock::now();
  if (a.family == Family::ipv6) {
    // RFC 8305 §3: connect as soon as the AAAA answer is there.
    if (!a.addresses.empty() || !v4_.queue.empty()) can_connect_ = true;
  } else if (!a.addresses.empty()) {
    // An A answer first waits a little for the AAAA answer.
    if (!v6_.pending) {
      can_connect_ = true;
    } else if (resolution_delay_until_ == kNever) {
      resolution_delay_until_ = now + options_.resolution_delay;
      trace_.note("waiting up to {:.3f} ms for the AAAA answer (Resolution Delay)",
                  to_ms(options_.resolution_delay));
    }
  }
  if (!v4_.pending && !v6_.pending) {
    build_order();
    can_connect_ = !addresses_.empty();
    if (!can_connect_) return fail_resolution(now);
    if (mode_ == Mode::resolve) return finish_resolution();
  }
  // pump() runs from the caller (on_dns_io or on_timer) once c-ares has returned.
}

// Both lookups failed: the reason that tells most.
void Dial::fail_resolution(Clock::time_point now) {
  std::array<const FamilyState*, 2> asked{};
  std::size_t n = 0;
  if (v6_.asked) asked[n++] = &v6_;
  if (v4_.asked) asked[n++] = &v4_;
  auto has = [&](Reason r) {
    for (std::size_t i = 0; i < n; ++i) {
      if (reason_of_ares_status(asked[i]->status) == r) return true;
    }
    return false;
  };
  Reason reason = has(Reason::nxdomain)      ? Reason::nxdomain
                  : has(Reason::dns_timeout) ? Reason::dns_timeout
                  : has(Reason::dns_error)   ? Reason::dns_error
                                             : Reason::no_address;
  std::string detail;
  for (std::size_t i = 0; i < n; ++i) {
    if (!detail.empty()) detail += "; ";
    detail += fmt::format("{}: {}", asked[i] == &v6_ ? "AAAA" : "A",
                          describe_ares_status(asked[i]->status));
  }
  fail_unresolved(reason, detail, now);
}

void Dial::fail_unresolved(Reason reason, std::string detail, Clock::time_point now) {
  Outcome o;
  o.state = State::unresolved;
  o.reason = reason;
  o.error = 0;
  o.phase = Phase::resolve;
  o.rtt = now - started_;
  o.attempts = 0;
  o.detail = std::move(detail);
  if (mode_ == Mode::resolve) {
    resolution_.failure = std::move(o);
    resolution_.elapsed = now - started_;
  } else {
    result_.outcome = std::move(o);
    result_.elapsed = now - started_;
  }
  finish();
}

void Dial::finish_resolution() {
  resolution_.addresses = addresses_;
  resolution_.elapsed = Clock::now() - started_;
  finish();
}

void Dial::finish() {
  finished_ = true;
  // Losing attempts are closed now; c-ares sockets go when the dial is destroyed.
  for (auto& slot : slots_) {
    if (!slot->driver.active()) continue;
    if (slot->driver.fd() >= 0) {
      trace_.note("closing the attempt to {} (fd {}): the dial is over", slot->target.to_string(),
                  slot->driver.fd());
    }
    slot->driver.cancel();
  }
  if (resolver_ && (v4_.pending || v6_.pending)) {
    v4_.pending = v6_.pending = false;
    resolver_->cancel();
  }
}

void Dial::slot_done(Slot& slot, Outcome& outcome) {
  Clock::time_point now = Clock::now();
  if (finished_) return;
  if (outcome.is_open()) {
    win(slot, std::move(outcome), now);
  } else {
    slot.done = true;
    slot.outcome = std::move(outcome);
    // The next address need not wait for the Connection Attempt Delay.
    next_start_ = now;
  }
  if (expiring_) return;  // on_overall_deadline goes on from here
  pump(now);
  rearm(Clock::now());
}

void Dial::win(Slot& slot, Outcome o, Clock::time_point now) {
  trace_.note("{} connected first: closing the other attempts", slot.target.to_string());
  slot.done = true;
  slot.outcome = o.copy_without_socket();
  result_.outcome = std::move(o);
  finish();
  collect(now);
}

void Dial::on_overall_deadline(Clock::time_point now) {
  trace_.note("overall deadline of {:.3f} ms passed", to_ms(deadline_ - started_));
  // Every attempt still running ends as no-response (one backing off keeps its last outcome).
  expiring_ = true;
  for (std::size_t i = 0; i < slots_.size() && !finished_; ++i) slots_[i]->driver.expire();
  expiring_ = false;
  if (finished_) return;  // an attempt connected at the last moment
  if (v4_.pending || v6_.pending) {
    for (FamilyState* fs : {&v6_, &v4_}) {
      if (fs->pending) fs->status = ARES_ECANCELLED;
      fs->pending = false;
    }
    resolver_->cancel();
  }
  build_order();
  if (mode_ == Mode::resolve) {
    if (addresses_.empty()) return fail_resolution(now);
    return finish_resolution();
  }
  if (slots_.empty() && !has_queued()) return fail_resolution(now);
  fail_all(now);
}

// Every address in the order it is (or was) tried, for the result.
void Dial::build_order() {
  addresses_.clear();
  for (const auto& slot : slots_) addresses_.push_back(slot->target);
  addresses_.insert(addresses_.end(), fixed_.begin(), fixed_.end());
  std::deque<Endpoint> q6 = v6_.queue, q4 = v4_.queue;
  bool six = next_family_ == Family::ipv6;
  while (!q6.empty() || !q4.empty()) {
    auto& q = (six && !q6.empty()) || q4.empty() ? q6 : q4;
    addresses_.push_back(q.front());
    q.pop_front();
    six = &q != &q6;
  }
}

// Every address failed (or the deadline came): one outcome stands for the dial.
void Dial::fail_all(Clock::time_point now) {
  const Slot* best = nullptr;
  for (const auto& slot : slots_) {
    if (!best || failure_rank(slot->outcome) < failure_rank(best->outcome)) best = slot.get();
  }
  if (!best) {
    // The deadline came before any attempt could start.
    Outcome o;
    o.state = State::filtered;
    o.reason = Reason::no_response;
    o.phase = Phase::deadline;
    o.rtt = now - started_;
    o.attempts = 0;
    if (!addresses_.empty()) o.peer = addresses_.front();
    o.detail = "the deadline came before any attempt started";
    result_.outcome = std::move(o);
  } else {
    result_.outcome = best->outcome.copy_without_socket();
    std::string detail;
    if (slots_.size() > 1 || has_queued()) {
      detail = "tried ";
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (i) detail += ", ";
        detail += brief(slots_[i]->outcome);
      }
      if (has_queued()) {
        bool capped = !may_start();
        detail += capped ? fmt::format("; not tried (at most {} addresses per dial):",
                                       options_.max_addresses)
                         : std::string("; not tried before the deadline:");
        // A few are named; hundreds would drown the line.
        std::size_t named = 0, left = 0;
        for (const auto* q : {&fixed_, &v6_.queue, &v4_.queue}) {
          for (const Endpoint& ep : *q) {
            if (named < kNamedUntried) {
              detail += " " + ep.to_string();
              ++named;
            } else {
              ++left;
            }
          }
        }
        if (left) detail += fmt::format(" and {} more", left);
      }
    }
    if (!detail.empty()) {
      result_.outcome.detail =
          result_.outcome.detail.empty() ? detail : result_.outcome.detail + "; " + detail;
    }
  }
  finish();
  collect(now);
}

void Dial::collect(Clock::time_point now) {
  result_.tried.clear();
  // Attempts abandoned because another address won have no outcome of their own.
  for (const auto& slot : slots_) {
    if (slot->done) result_.tried.push_back(slot->outcome.copy_without_socket());
  }
  if (addresses_.empty()) {
    for (const auto& slot : slots_) addresses_.push_back(slot->target);
  }
  result_.addresses = addresses_;
  result_.elapsed = now - started_;
}

// The next address: IPv6 first, then the families take turns (RFC 8305 §4).
Endpoint Dial::pop_next() {
  if (!fixed_.empty()) {
    Endpoint ep = fixed_.front();
    fixed_.pop_front();
    return ep;
  }
  FamilyState* first = next_family_ == Family::ipv6 ? &v6_ : &v4_;
  FamilyState* second = first == &v6_ ? &v4_ : &v6_;
  FamilyState* from = first->queue.empty() ? second : first;
  Endpoint ep = from->queue.front();
  from->queue.pop_front();
  next_family_ = from == &v6_ ? Family::ipv4 : Family::ipv6;
  return ep;
}

// Starts what may start, and ends the dial when nothing is left to wait for.
void Dial::pump(Clock::time_point now) {
  if (finished_) return;
  if (!can_connect_ && resolution_delay_until_ != kNever && now >= resolution_delay_until_) {
    can_connect_ = true;
  }
  if (mode_ == Mode::resolve) return;
  // Bounded by the number of addresses and max_addresses: each pass takes one from the queue.
  while (!finished_ && can_connect_ && may_start() && now >= next_start_) {
    slots_.push_back(std::make_unique<Slot>(*this, reactor_));
    Slot& slot = *slots_.back();
    slot.target = pop_next();
    next_start_ = now + options_.attempt_delay;
    trace_.note("attempt {} to {} ({:.3f} ms after the start)", slots_.size(),
                slot.target.to_string(), to_ms(now - started_));
    slot.driver.start(slot.target, options_.connect);
  }
  if (finished_) return;
  bool resolving = v4_.pending || v6_.pending;
  bool busy = false;
  for (const auto& slot : slots_) busy |= slot->driver.active();
  if (!resolving && !busy && !may_start()) {
    if (slots_.empty()) return;  // resolution failure was reported already
    fail_all(now);
  }
}

}  // namespace nbc::detail
