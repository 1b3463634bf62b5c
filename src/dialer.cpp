// Happy Eyeballs v2 (RFC 8305) over one poller: c-ares sockets and connect attempts of any
// number of dials are watched together, and every timer (attempt deadlines, the Connection
// Attempt Delay, the Resolution Delay, c-ares retransmits, overall deadlines) sets the wait.
#include "nbconnect/dialer.hpp"

#include <ares.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <deque>
#include <map>
#include <system_error>
#include <unordered_map>

#include "attempt.hpp"
#include "poller/poller.hpp"
#include "resolver.hpp"
#include "trace.hpp"

namespace nbc {
namespace {

using detail::Attempt;
using detail::Clock;
using detail::Step;

constexpr Clock::time_point kNever = Clock::time_point::max();

// An outcome without its socket, for the list of what was tried.
Outcome copy_without_socket(const Outcome& o) {
  Outcome c;
  c.state = o.state;
  c.reason = o.reason;
  c.error = o.error;
  c.phase = o.phase;
  c.rtt = o.rtt;
  c.peer = o.peer;
  c.local = o.local;
  c.attempts = o.attempts;
  c.detail = o.detail;
  return c;
}

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

class Dial;

// A descriptor being watched, and who gets its events.
struct Watch {
  Dial* dial = nullptr;
  int fd = -1;
  bool dns = false;  // a c-ares socket, else a connect attempt
};

struct Dialer::Impl {
  std::unique_ptr<detail::Poller> poller;
  std::map<Id, std::unique_ptr<Dial>> dials;
  std::unordered_map<std::uint64_t, Watch> watches;  // by token
  std::uint64_t next_token = 1;
  Id next_id = 1;

  // Starts watching fd; returns its token, or 0 with err set.
  std::uint64_t watch(int fd, std::uint32_t interest, Dial* dial, bool dns, int& err) {
    std::uint64_t token = next_token++;
    err = poller->add(fd, interest, token);
    if (err != 0) return 0;
    watches[token] = Watch{dial, fd, dns};
    return token;
  }
  void unwatch(std::uint64_t token) {
    auto it = watches.find(token);
    if (it == watches.end()) return;
    poller->remove(it->second.fd);
    watches.erase(it);
  }
  void reap();
};

// One dial (or resolution) from start to result.
class Dial {
 public:
  enum class Mode { dial, resolve };

  Dial(Dialer::Impl& loop, DialOptions options, Mode mode)
      : loop_(loop), options_(std::move(options)), mode_(mode), trace_(&options_.connect.trace) {}

  ~Dial() {
    // The resolver first: destroying it announces its sockets closed, which unwatches them.
    resolver_.reset();
    for (auto& [fd, token] : dns_tokens_) loop_.unwatch(token);
    for (auto& slot : slots_) stop_slot(*slot);
  }

  void set_callbacks(Dialer::DialCallback on_dial, Dialer::ResolveCallback on_resolve) {
    on_dial_ = std::move(on_dial);
    on_resolve_ = std::move(on_resolve);
  }

  void start_with_addresses(std::vector<Endpoint> addresses, std::uint16_t port) {
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
      return;
    }
    if (mode_ == Mode::resolve) {
      finish_resolution();
      return;
    }
    pump(Clock::now());
  }

  void start_with_name(const std::string& host, std::uint16_t port) {
    started_ = Clock::now();
    set_deadline();
    port_ = port;
    auto made = detail::Resolver::create(
        options_, [this](int fd, bool r, bool w) { on_dns_socket(fd, r, w); });
    if (!made) {
      fail_unresolved(Reason::dns_error, made.error(), Clock::now());
      return;
    }
    resolver_ = std::move(*made);
    host_ = host;
    trace_.note("resolving {} with c-ares ({}{}{})", host,
                family_wanted(Family::ipv6) ? "AAAA" : "",
                family_wanted(Family::ipv6) && family_wanted(Family::ipv4) ? " and " : "",
                family_wanted(Family::ipv4) ? "A" : "");
    // AAAA first: RFC 8305 sends it first so that its answer tends to come first.
    if (family_wanted(Family::ipv6)) {
      v6_.pending = true;
      v6_.asked = true;
    }
    if (family_wanted(Family::ipv4)) {
      v4_.pending = true;
      v4_.asked = true;
    }
    if (v6_.asked) {
      resolver_->lookup(host, Family::ipv6, [this](detail::FamilyAnswer a) { on_answer(a); });
    }
    if (v4_.asked) {
      resolver_->lookup(host, Family::ipv4, [this](detail::FamilyAnswer a) { on_answer(a); });
    }
    pump(Clock::now());
  }

  bool finished() const { return finished_; }

  void deliver() {
    if (mode_ == Mode::resolve) {
      if (on_resolve_) on_resolve_(std::move(resolution_));
    } else if (on_dial_) {
      on_dial_(std::move(result_));
    }
  }

  void on_event(const Watch& w, std::uint32_t events, Clock::time_point now) {
    if (finished_) return;
    if (w.dns) {
      bool readable = events & (detail::kReadable | detail::kError | detail::kHangup);
      bool writable = events & detail::kWritable;
      if (resolver_) resolver_->process(w.fd, readable, writable);
    } else {
      for (auto& slot : slots_) {
        if (slot->attempt && slot->attempt->fd() == w.fd) {
          if (slot->attempt->on_ready(events, now) == Step::done) slot_done(*slot, now);
          break;
        }
      }
    }
    pump(now);
  }

  // Handles whatever timer is due.
  void on_timers(Clock::time_point now) {
    if (finished_) return;
    if (resolver_ && (v4_.pending || v6_.pending)) resolver_->process_timeouts();
    if (finished_) return;
    if (now >= deadline_) {
      on_overall_deadline(now);
      return;
    }
    for (auto& slot : slots_) {
      if (finished_) return;
      if (slot->attempt && now >= slot->attempt->deadline()) {
        slot->attempt->on_deadline(now);
        slot_done(*slot, now);
      }
    }
    pump(now);
  }

  // When this dial next needs on_timers().
  Clock::time_point wake(Clock::time_point now) const {
    if (finished_) return now;
    Clock::time_point t = deadline_;
    if (can_connect_ && has_queued() && mode_ == Mode::dial) t = std::min(t, next_start_);
    if (!can_connect_ && resolution_delay_until_ != kNever) {
      t = std::min(t, resolution_delay_until_);
    }
    for (const auto& slot : slots_) {
      if (slot->attempt) t = std::min(t, slot->attempt->deadline());
      if (slot->retry_at != kNever) t = std::min(t, slot->retry_at);
    }
    if (resolver_ && (v4_.pending || v6_.pending)) {
      if (auto left = resolver_->next_timeout()) {
        t = std::min(t, now + std::chrono::duration_cast<Clock::duration>(*left));
      }
    }
    return t;
  }

 private:
  struct FamilyState {
    bool asked = false;
    bool pending = false;
    int status = 0;
    std::deque<Endpoint> queue;  // resolved, not tried yet
  };

  struct Slot {
    Endpoint target;  // the attempt refers to it: a slot never moves (held by unique_ptr)
    std::unique_ptr<Attempt> attempt;
    std::uint64_t token = 0;
    int sockets = 0;
    int self_retries = 0;
    int local_retries = 0;
    Clock::time_point retry_at = kNever;
    bool done = false;
    Outcome outcome;
  };

  bool family_wanted(Family f) const {
    return options_.family == Family::unspec || options_.family == f;
  }

  void set_deadline() { deadline_ = options_.deadline ? started_ + *options_.deadline : kNever; }

  bool has_queued() const { return !fixed_.empty() || !v6_.queue.empty() || !v4_.queue.empty(); }

  // The next address: IPv6 first, then the families take turns (RFC 8305 §4).
  Endpoint pop_next() {
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

  void on_dns_socket(int fd, bool readable, bool writable) {
    auto it = dns_tokens_.find(fd);
    if (it != dns_tokens_.end()) {
      loop_.unwatch(it->second);
      dns_tokens_.erase(it);
    }
    if (!readable && !writable) return;
    std::uint32_t interest =
        (readable ? detail::kReadable : 0u) | (writable ? detail::kWritable : 0u);
    int err = 0;
    std::uint64_t token = loop_.watch(fd, interest, this, true, err);
    // A socket the poller refuses is left to c-ares' own timeout: the query then fails as a
    // DNS timeout instead of hanging.
    if (token != 0) dns_tokens_[fd] = token;
  }

  void on_answer(const detail::FamilyAnswer& a) {
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
                  a.status == 0 ? list : " " + detail::describe_ares_status(a.status));
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
      if (!can_connect_) {
        fail_resolution(now);
        return;
      }
      if (mode_ == Mode::resolve) {
        finish_resolution();
        return;
      }
    }
    // pump() runs from the caller (on_event or on_timers) once c-ares has returned.
  }

  // Both lookups failed: the reason that tells most.
  void fail_resolution(Clock::time_point now) {
    std::array<const FamilyState*, 2> asked{};
    std::size_t n = 0;
    if (v6_.asked) asked[n++] = &v6_;
    if (v4_.asked) asked[n++] = &v4_;
    auto has = [&](Reason r) {
      for (std::size_t i = 0; i < n; ++i) {
        if (detail::reason_of_ares_status(asked[i]->status) == r) return true;
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
                            detail::describe_ares_status(asked[i]->status));
    }
    fail_unresolved(reason, detail, now);
  }

  void fail_unresolved(Reason reason, std::string detail, Clock::time_point now) {
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

  void finish_resolution() {
    resolution_.addresses = addresses_;
    resolution_.elapsed = Clock::now() - started_;
    finish();
  }

  void finish() {
    finished_ = true;
    // Losing attempts are closed now; c-ares sockets go when the dial is destroyed.
    for (auto& slot : slots_) stop_slot(*slot);
    if (resolver_ && (v4_.pending || v6_.pending)) {
      v4_.pending = v6_.pending = false;
      resolver_->cancel();
    }
  }

  void stop_slot(Slot& slot) {
    if (slot.token != 0) {
      loop_.unwatch(slot.token);
      slot.token = 0;
    }
    if (slot.attempt && slot.attempt->fd() >= 0) {
      trace_.note("closing the attempt to {} (fd {}): the dial is over", slot.target.to_string(),
                  slot.attempt->fd());
    }
    slot.attempt.reset();  // closes a socket still connecting
    slot.retry_at = kNever;
  }

  void start_slot(Slot& slot, Clock::time_point now) {
    slot.retry_at = kNever;
    slot.attempt = std::make_unique<Attempt>(slot.target, options_.connect);
    ++slot.sockets;
    if (slot.attempt->start(now) == Step::done) {
      slot_done(slot, now);
      return;
    }
    int err = 0;
    slot.token = loop_.watch(slot.attempt->fd(), detail::kWritable, this, false, err);
    if (slot.token == 0) {
      slot.attempt.reset();
      Outcome o;
      o.peer = slot.target;
      o.state = State::error;
      o.reason = err == ERANGE ? Reason::fd_setsize : classify_errno(err).reason;
      o.error = err == ERANGE ? 0 : err;
      o.phase = Phase::socket;
      o.detail = "the poller refused the socket";
      o.attempts = slot.sockets;
      record_failure(slot, std::move(o), now);
    }
  }

  void slot_done(Slot& slot, Clock::time_point now) {
    if (slot.token != 0) {
      loop_.unwatch(slot.token);
      slot.token = 0;
    }
    Outcome o = slot.attempt->take();
    slot.attempt.reset();
    o.attempts = slot.sockets;
    if (o.is_open()) {
      win(slot, std::move(o), now);
      return;
    }
    if (!finished_ && now < deadline_) {
      if (o.reason == Reason::self_connect &&
          slot.self_retries < options_.connect.self_connect_retries) {
        ++slot.self_retries;
        slot.outcome = std::move(o);
        start_slot(slot, now);
        return;
      }
      if (o.reason == Reason::local_resources &&
          slot.local_retries < options_.connect.local_error_retries) {
        // A local shortage is not the peer's answer: try again with a fresh socket, later.
        slot.retry_at = now + std::chrono::milliseconds(10) * (1 << slot.local_retries++);
        slot.outcome = std::move(o);
        return;
      }
    }
    record_failure(slot, std::move(o), now);
  }

  void record_failure(Slot& slot, Outcome o, Clock::time_point now) {
    slot.done = true;
    slot.outcome = std::move(o);
    // The next address need not wait for the Connection Attempt Delay.
    next_start_ = now;
  }

  void win(Slot& slot, Outcome o, Clock::time_point now) {
    trace_.note("{} connected first: closing the other attempts", slot.target.to_string());
    slot.done = true;
    slot.outcome = copy_without_socket(o);
    result_.outcome = std::move(o);
    finish();
    collect(now);
  }

  void on_overall_deadline(Clock::time_point now) {
    trace_.note("overall deadline of {:.3f} ms passed", to_ms(deadline_ - started_));
    for (auto& slot : slots_) {
      if (slot->attempt) {
        slot->attempt->on_deadline(now);
        if (slot->token != 0) {
          loop_.unwatch(slot->token);
          slot->token = 0;
        }
        Outcome o = slot->attempt->take();
        slot->attempt.reset();
        o.attempts = slot->sockets;
        record_failure(*slot, std::move(o), now);
      } else if (slot->retry_at != kNever) {
        slot->retry_at = kNever;
        slot->done = true;  // its last outcome stands
      }
    }
    if (v4_.pending || v6_.pending) {
      for (FamilyState* fs : {&v6_, &v4_}) {
        if (fs->pending) fs->status = ARES_ECANCELLED;
        fs->pending = false;
      }
      resolver_->cancel();
    }
    build_order();
    if (mode_ == Mode::resolve) {
      if (addresses_.empty()) {
        fail_resolution(now);
      } else {
        finish_resolution();
      }
      return;
    }
    if (slots_.empty() && !has_queued()) {
      fail_resolution(now);
      return;
    }
    fail_all(now);
  }

  // Every address in the order it is (or was) tried, for the result.
  void build_order() {
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
  void fail_all(Clock::time_point now) {
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
      result_.outcome = copy_without_socket(best->outcome);
      std::string detail;
      if (slots_.size() > 1 || has_queued()) {
        detail = "tried ";
        for (std::size_t i = 0; i < slots_.size(); ++i) {
          if (i) detail += ", ";
          detail += brief(slots_[i]->outcome);
        }
        if (has_queued()) {
          detail += "; not tried before the deadline:";
          for (const Endpoint& ep : fixed_) detail += " " + ep.to_string();
          for (const Endpoint& ep : v6_.queue) detail += " " + ep.to_string();
          for (const Endpoint& ep : v4_.queue) detail += " " + ep.to_string();
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

  void collect(Clock::time_point now) {
    result_.tried.clear();
    // Attempts abandoned because another address won have no outcome of their own.
    for (const auto& slot : slots_) {
      if (slot->done) result_.tried.push_back(copy_without_socket(slot->outcome));
    }
    if (addresses_.empty()) {
      for (const auto& slot : slots_) addresses_.push_back(slot->target);
    }
    result_.addresses = addresses_;
    result_.elapsed = now - started_;
  }

  // Starts what may start, and ends the dial when nothing is left to wait for.
  void pump(Clock::time_point now) {
    if (finished_) return;
    if (!can_connect_ && resolution_delay_until_ != kNever && now >= resolution_delay_until_) {
      can_connect_ = true;
    }
    if (mode_ == Mode::resolve) return;
    for (auto& slot : slots_) {
      if (finished_) return;
      if (slot->retry_at != kNever && now >= slot->retry_at) start_slot(*slot, now);
    }
    // Bounded by the number of addresses: each pass takes one from the queue.
    while (!finished_ && can_connect_ && has_queued() && now >= next_start_) {
      slots_.push_back(std::make_unique<Slot>());
      Slot& slot = *slots_.back();
      slot.target = pop_next();
      next_start_ = now + options_.attempt_delay;
      trace_.note("attempt {} to {} ({:.3f} ms after the start)", slots_.size(),
                  slot.target.to_string(), to_ms(now - started_));
      start_slot(slot, now);
    }
    if (finished_) return;
    bool resolving = v4_.pending || v6_.pending;
    bool busy = false;
    for (const auto& slot : slots_) busy |= slot->attempt != nullptr || slot->retry_at != kNever;
    if (!resolving && !busy && !has_queued()) {
      if (slots_.empty()) return;  // resolution failure was reported already
      fail_all(now);
    }
  }

  Dialer::Impl& loop_;
  DialOptions options_;
  Mode mode_;
  detail::Trace trace_;
  std::string host_;
  Dialer::DialCallback on_dial_;
  Dialer::ResolveCallback on_resolve_;
  Clock::time_point started_{};
  Clock::time_point deadline_ = kNever;
  std::uint16_t port_ = 0;
  std::unique_ptr<detail::Resolver> resolver_;
  std::unordered_map<int, std::uint64_t> dns_tokens_;  // c-ares fd -> token
  FamilyState v6_, v4_;
  std::deque<Endpoint> fixed_;  // addresses given in order (literals, pre-resolved)
  Family next_family_ = Family::ipv6;
  bool can_connect_ = false;
  Clock::time_point resolution_delay_until_ = kNever;
  Clock::time_point next_start_ = Clock::time_point::min();
  std::vector<std::unique_ptr<Slot>> slots_;  // in start order
  std::vector<Endpoint> addresses_;
  bool finished_ = false;
  DialResult result_;
  Resolution resolution_;
};

void Dialer::Impl::reap() {
  // Callbacks may start or cancel dials: take the finished ones out first.
  std::vector<std::unique_ptr<Dial>> done;
  for (auto it = dials.begin(); it != dials.end();) {
    if (it->second->finished()) {
      done.push_back(std::move(it->second));
      it = dials.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& d : done) {
    d->deliver();
    d.reset();
  }
}

Dialer::Dialer(Backend backend) : impl_(std::make_unique<Impl>()) {
  auto made = detail::make_poller(backend, 64);
  if (!made) {
    throw std::system_error(
        made.error(), std::generic_category(),
        std::string("cannot create the ") + std::string(to_string(backend)) + " poller");
  }
  impl_->poller = std::move(*made);
}

Dialer::~Dialer() {
  // Dials go before the poller they are registered with.
  impl_->dials.clear();
}

Dialer::Id Dialer::dial(const HostPort& target, const DialOptions& options, DialCallback done) {
  Id id = impl_->next_id++;
  auto d = std::make_unique<Dial>(*impl_, options, Dial::Mode::dial);
  Dial* raw = d.get();
  raw->set_callbacks(std::move(done), nullptr);
  impl_->dials.emplace(id, std::move(d));
  if (target.literal) {
    raw->start_with_addresses({*target.literal}, target.port);
  } else {
    raw->start_with_name(target.host, target.port);
  }
  return id;
}

Dialer::Id Dialer::dial(std::vector<Endpoint> addresses, const DialOptions& options,
                        DialCallback done) {
  Id id = impl_->next_id++;
  auto d = std::make_unique<Dial>(*impl_, options, Dial::Mode::dial);
  Dial* raw = d.get();
  raw->set_callbacks(std::move(done), nullptr);
  impl_->dials.emplace(id, std::move(d));
  raw->start_with_addresses(std::move(addresses), 0);
  return id;
}

Dialer::Id Dialer::resolve(const HostPort& target, const DialOptions& options,
                           ResolveCallback done) {
  Id id = impl_->next_id++;
  auto d = std::make_unique<Dial>(*impl_, options, Dial::Mode::resolve);
  Dial* raw = d.get();
  raw->set_callbacks(nullptr, std::move(done));
  impl_->dials.emplace(id, std::move(d));
  if (target.literal) {
    raw->start_with_addresses({*target.literal}, target.port);
  } else {
    raw->start_with_name(target.host, target.port);
  }
  return id;
}

void Dialer::cancel(Id id) {
  impl_->dials.erase(id);
}

std::size_t Dialer::pending() const {
  return impl_->dials.size();
}

bool Dialer::run_once(std::chrono::nanoseconds limit) {
  Impl& im = *impl_;
  Clock::time_point now = Clock::now();
  for (auto& [id, d] : im.dials) d->on_timers(now);
  im.reap();

  Clock::time_point wake = limit.count() < 0 ? kNever : now + limit;
  for (auto& [id, d] : im.dials) wake = std::min(wake, d->wake(now));
  std::chrono::nanoseconds timeout{-1};
  if (wake != kNever) timeout = std::max(std::chrono::nanoseconds(0), wake - now);
  if (im.dials.empty() && timeout.count() < 0) return true;  // nothing could ever wake us

  std::array<detail::PollEvent, 64> events{};
  int n = im.poller->wait(events, timeout);
  bool interrupted = n == -EINTR;
  now = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto it = im.watches.find(events[i].token);
    if (it == im.watches.end()) continue;  // unwatched by an earlier event of this batch
    Watch w = it->second;
    w.dial->on_event(w, events[i].events, now);
  }
  now = Clock::now();
  for (auto& [id, d] : im.dials) d->on_timers(now);
  im.reap();
  return !interrupted;
}

void Dialer::run() {
  // Each round waits for an event or the next timer of some dial, so this ends when the last
  // dial ends (every dial has a bounded life: per-attempt timeouts and DNS tries).
  while (pending() > 0) run_once(std::chrono::nanoseconds(-1));
}

DialResult dial(const HostPort& target, const DialOptions& options) {
  Dialer dialer(options.connect.backend);
  DialResult result;
  dialer.dial(target, options, [&result](DialResult r) { result = std::move(r); });
  dialer.run();
  return result;
}

Resolution resolve(const HostPort& target, const DialOptions& options) {
  Dialer dialer(options.connect.backend);
  Resolution result;
  dialer.resolve(target, options, [&result](Resolution r) { result = std::move(r); });
  dialer.run();
  return result;
}

Parsed<std::string> parse_dns_server(std::string_view text) {
  auto bad = [&](std::string why) {
    return std::unexpected(
        ParseError{std::string(text), "invalid DNS server '" + std::string(text) + "': " + why});
  };
  if (text.empty()) return bad("empty");
  std::string word(text);
  bool bracketed = word.front() == '[';
  bool one_colon = word.find(':') != std::string::npos && word.find(':') == word.rfind(':');
  if (bracketed || one_colon) {
    if (bracketed && word.back() == ']') {
      auto ep = parse_ipv6(word.substr(1, word.size() - 2));
      if (!ep) return bad("not an IP address");
      return "[" + ep->address() + "]:53";
    }
    auto hp = parse_host_port(word);
    if (!hp) return bad(hp.error().message);
    if (!hp->literal) return bad("not an IP address");
    return hp->literal->family() == Family::ipv6
               ? "[" + hp->literal->address() + "]:" + std::to_string(hp->port)
               : hp->literal->address() + ":" + std::to_string(hp->port);
  }
  auto ep = parse_ip(word);
  if (!ep) return bad("not an IP address");
  return ep->family() == Family::ipv6 ? "[" + ep->address() + "]:53" : ep->address() + ":53";
}

}  // namespace nbc
