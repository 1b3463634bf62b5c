// One loop's share of a scan (scan_loop.hpp).
#include "scan_loop.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <thread>

#include "probe_skip.hpp"
#include "sys.hpp"

namespace nbc::detail {
namespace {

// Jobs held back because their host is at its in-flight cap, before the loop stops drawing more.
constexpr std::size_t kParkLimit = 8192;
// Probes started in one turn of the reactor, so that answers and deadlines are not left waiting.
constexpr int kLaunchBatch = 256;
// The fewest sockets a loop should be able to hold: below that, fewer loops do better.
constexpr std::size_t kMinLoopWindow = 8;

}  // namespace

ScanShared::ScanShared(const ScanPlan& plan_, const EngineOptions& options_,
                       const ProbeCallback& callback_, unsigned wanted_threads)
    : plan(plan_), options(options_), callback(callback_), attempt_options(options_.connect) {
  // The loop closes open sockets itself, setting linger 0 only on those: a refused or unanswered
  // socket leaves no TIME_WAIT, so the option would be a wasted system call on most probes.
  attempt_options.keep_socket = true;
  attempt_options.linger_zero = false;
  attempt_options.eager_check = true;
  adaptive = options.timing.adaptive;
  if (adaptive) {
    bounds = RttBounds{options.timing.initial_rtt_timeout, options.timing.min_rtt_timeout,
                       options.timing.max_rtt_timeout}
                 .normalised();
    // The loop ends each probe at its host's timeout; the driver's own deadline is only the
    // backstop, at the longest timeout any attempt can get.
    attempt_options.timeout = bounds.max;
  }

  std::uint64_t total = 0;
  std::uint32_t hosts = 0;
  for (const ScanGroup& g : plan.groups) {
    group_start.push_back(total);
    host_base.push_back(hosts);
    if (g.ports.empty() || g.hosts.empty()) continue;  // no probes; the table stays monotonic
    total += g.hosts.size() * g.ports.size();
    hosts += static_cast<std::uint32_t>(g.hosts.size());
  }
  host_count = hosts;
  if (plan.shard_count == 0 || plan.shard_index >= plan.shard_count) {
    throw std::invalid_argument("shard index out of range");
  }
  order = ProbeOrder(total, plan.order == Order::random, plan.seed);
  shard_total = plan.shard_size();

  std::size_t concurrency = options.concurrency;
  if (concurrency == 0) concurrency = default_concurrency(fd_limit());
  if (options.connect.backend == Backend::select) {
    // select() cannot watch a descriptor at or past FD_SETSIZE.
    concurrency = std::min<std::size_t>(concurrency, FD_SETSIZE - 64);
  }
  unsigned t = wanted_threads ? wanted_threads : std::max(1u, std::thread::hardware_concurrency());
  if (options.per_host) t = static_cast<unsigned>(std::min<std::size_t>(t, options.per_host));
  t = static_cast<unsigned>(std::clamp<std::uint64_t>(shard_total, 1, t));
  t = static_cast<unsigned>(std::clamp<std::size_t>(concurrency, 1, t));
  // Each loop holds its poller's descriptor: under a tiny descriptor limit, loops that cannot
  // open a socket would retry EMFILE forever. Keep as many as each get a poller and a window.
  std::size_t fit = free_descriptors(fd_limit()) / (1 + kMinLoopWindow);
  t = static_cast<unsigned>(std::clamp<std::size_t>(fit, 1, t));
  threads = t;
  window_per_loop = std::max<std::size_t>(1, concurrency / threads);
  per_host_per_loop = options.per_host ? std::max<std::size_t>(1, options.per_host / threads) : 0;
  if (adaptive && threads > 1 && host_count <= HostRtts::kDenseHosts) {
    hints = std::make_unique<std::atomic<std::uint32_t>[]>(host_count);  // zeroed
    hint_count = host_count;
  }
  rate_per_loop = options.rate > 0 ? options.rate / threads : 0;
}

void ScanShared::publish_hint(std::uint32_t host, std::chrono::nanoseconds timeout) {
  if (host >= hint_count) return;
  auto us = static_cast<std::uint32_t>(std::clamp<std::int64_t>(timeout.count() / 1000, 1, ~0u));
  // Most answers leave it within an eighth of what it was (on loopback, at the floor): no store,
  // no cache line passed between the loops.
  std::uint32_t old = hints[host].load(std::memory_order_relaxed);
  if (old == 0 || (old > us ? old - us : us - old) > old / 8) {
    hints[host].store(us, std::memory_order_relaxed);
  }
}

ScanLoop::ScanLoop(Reactor& reactor, ScanShared& shared, unsigned index,
                   std::function<void()> finished)
    : reactor_(reactor),
      shared_(shared),
      index_(index),
      on_finished_(std::move(finished)),
      window_(shared.window_per_loop) {
  if (shared.adaptive) {
    rtts_ = HostRtts(shared.host_count);
    floor_ = std::min(shared.bounds.min, shared.bounds.initial);
    // A quarter of the least timeout, so that a probe ends at most 25% late, and not more often
    // than every millisecond.
    quantum_ = std::max<std::chrono::nanoseconds>(floor_ / 4, std::chrono::milliseconds(1));
  }
}

ScanLoop::~ScanLoop() {
  stop();
}

void ScanLoop::start() {
  if (started_) return;
  started_ = true;
  Clock::time_point now = Clock::now();
  if (shared_.per_host_per_loop) host_in_flight_.assign(shared_.host_count, 0);
  if (shared_.rate_per_loop > 0) rate_ = RateLimiter(shared_.rate_per_loop, now);
  next_position_ = index_;
  schedule(now);
}

void ScanLoop::stop() {
  for (Slot& slot : slots_) slot.driver.cancel();
  reactor_.disarm(*this);
  reactor_.disarm(expiry_timer_);
  expiry_at_ = Clock::time_point::max();
  in_flight_count_.store(0, std::memory_order_relaxed);
  pump_at_ = Clock::time_point::max();
  finished_ = true;
}

EngineStats ScanLoop::stats() const {
  EngineStats s;
  s.probes = done();
  s.attempts = attempts();
  s.local_retries = local_retries_;
  s.self_connects = self_connects_;
  s.window = shared_.window_per_loop;
  s.threads = 1;
  return s;
}

// Arms the pump for `when` unless it already runs sooner.
void ScanLoop::schedule(Clock::time_point when) {
  if (finished_ || when >= pump_at_) return;
  pump_at_ = when;
  reactor_.arm(*this, when);
}

void ScanLoop::on_timer() {
  pump_at_ = Clock::time_point::max();
  pump();
}

bool ScanLoop::idle() const {
  return ready_.empty() && retry_.empty() && parked_count_ == 0 && generator_done_;
}

// Starts probes while the window, the rate and the back-off allow, a batch per turn.
void ScanLoop::pump() {
  if (finished_) return;
  if (shared_.stop.load(std::memory_order_relaxed)) {
    stop();
    return;
  }
  Clock::time_point now = Clock::now();
  for (int budget = kLaunchBatch; budget > 0; --budget) {
    if (in_flight_ >= window_.size()) return;  // a completion pumps again
    Job job;
    if (!next_job(job)) {
      if (in_flight_ == 0 && idle()) finish();
      return;
    }
    // Only a probe about to start waits for the back-off or a token: once the last one is done
    // the scan ends at once, instead of sleeping 1/rate for a probe that does not exist.
    if (now < backoff_until_ || (rate_.limited() && !rate_.take(now))) {
      ready_.push_front(job);  // first in line when the wait is over
      return schedule(now < backoff_until_ ? backoff_until_ : rate_.next_token());
    }
    launch(job);
  }
  schedule(now);  // the batch ran out first: go on after the reactor's next look
}

// Draws the next probe of this loop's share from the order.
bool ScanLoop::draw(Job& job) {
  const std::uint64_t total = shared_.order.size();
  const ScanPlan& plan = shared_.plan;
  while (next_position_ < total) {
    std::uint64_t index = shared_.order.at(next_position_);
    next_position_ += shared_.threads;
    if (plan.shard_count > 1 && index % plan.shard_count != plan.shard_index) continue;
    if (skipped(plan, index)) continue;  // done by the run this one resumes
    auto it = std::upper_bound(shared_.group_start.begin(), shared_.group_start.end(), index);
    auto g = static_cast<std::uint32_t>(it - shared_.group_start.begin() - 1);
    const ScanGroup& group = plan.groups[g];
    std::uint64_t local = index - shared_.group_start[g];
    job = Job{};
    job.index = index;
    job.group = g;
    job.host = static_cast<std::uint32_t>(local / group.ports.size());
    job.port = group.ports[local % group.ports.size()];
    job.host_id = shared_.host_base[g] + job.host;
    return true;
  }
  generator_done_ = true;
  return false;
}

bool ScanLoop::host_full(const Job& job) const {
  return shared_.per_host_per_loop && host_in_flight_[job.host_id] >= shared_.per_host_per_loop;
}

bool ScanLoop::next_job(Job& job) {
  for (auto* queue : {&ready_, &retry_}) {
    while (!queue->empty()) {
      job = queue->front();
      queue->pop_front();
      if (!host_full(job)) return true;
      parked_[job.host_id].push_back(job);
      ++parked_count_;
    }
  }
  while (parked_count_ < kParkLimit && draw(job)) {
    if (!host_full(job)) return true;
    parked_[job.host_id].push_back(job);
    ++parked_count_;
  }
  return false;
}

void ScanLoop::launch(const Job& job) {
  std::uint32_t i;
  if (!free_.empty()) {
    i = free_.back();
    free_.pop_back();
  } else {
    i = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back(reactor_, *this, i);
  }
  Slot& slot = slots_[i];
  const ScanGroup& group = shared_.plan.groups[job.group];
  slot.target = group.hosts[job.host];
  slot.target.set_port(job.port);
  slot.job = job;
  ++slot.job.runs;
  ++slot.generation;
  if (shared_.per_host_per_loop) ++host_in_flight_[job.host_id];
  ++in_flight_;
  in_flight_count_.store(in_flight_, std::memory_order_relaxed);
  attempt_count_.fetch_add(1, std::memory_order_relaxed);
  // With adaptive timing the expiry ticks keep the latest deadline (refresh_latest_deadline).
  if (shared_.adaptive) {
    slot.started = Clock::now();
  } else {
    note_deadline(slot);
  }
  slot.driver.start(slot.target, shared_.attempt_options);
  if (shared_.adaptive) {
    // After start(): the driver is active now (it never delivers from inside start()).
    young_.push_back(Watch{i, slot.generation});
    if (young_.size() == 1) arm_expiry(slot.started);
  }
}

// The retries a no-response of this host gets: all of them with fixed timeouts; with adaptive
// ones, the first, and more only where a retry was answered before (as many as that took).
unsigned ScanLoop::allowed_retries(std::uint32_t host_id) const {
  auto retries = static_cast<unsigned>(std::max(shared_.options.retries, 0));
  if (!shared_.adaptive) return retries;
  return std::min(retries, std::max(1u, rtts_.get(host_id).best_run()));
}

// When the probe in `slot` gives up at the latest: its timeout and those of the retries it may
// still get, by its host's estimate now.
Clock::time_point ScanLoop::final_deadline(const Slot& slot, Clock::time_point start) const {
  const unsigned runs = slot.job.runs;
  const unsigned last = std::max(runs, allowed_retries(slot.job.host_id) + 1);
  std::chrono::nanoseconds wait{0};
  if (shared_.adaptive) {
    for (unsigned r = runs; r <= last; ++r) wait += timeout_of(slot.job.host_id, r, nullptr);
  } else {
    wait = shared_.attempt_options.timeout * (last - runs + 1);
  }
  return start + wait;
}

// The timeout of a probe's `run`-th attempt on the host: this loop's estimate; before this loop's
// first answer from the host, another loop's (ScanShared::hints); else the initial timeout.
// `known`: whether it came from an answer.
std::chrono::nanoseconds ScanLoop::timeout_of(std::uint32_t host_id, unsigned run,
                                              bool* known) const {
  const RttEstimator& rtt = rtts_.get(host_id);
  std::chrono::nanoseconds base = rtt.base(shared_.bounds);
  bool from_answer = rtt.sampled();
  if (!from_answer) {
    if (std::uint32_t us = shared_.hint_us(host_id)) {
      base = std::chrono::microseconds(us);
      from_answer = true;
    }
  }
  if (known) *known = from_answer;
  // A host that never answered has no round trip to back off from: each attempt waits the initial
  // timeout (so at the defaults a dark host costs 1 s + 1 s, as fixed timeouts did).
  return from_answer ? RttEstimator::backed_off(base, shared_.bounds, run) : base;
}

// Raises the latest deadline the progress line sees to this probe's, its retries included (fixed
// timeouts: a probe's deadline never moves).
void ScanLoop::note_deadline(const Slot& slot) {
  std::int64_t deadline = final_deadline(slot, Clock::now()).time_since_epoch().count();
  if (deadline > latest_deadline_.load(std::memory_order_relaxed)) {
    latest_deadline_.store(deadline, std::memory_order_relaxed);
  }
}

// Recomputes the latest deadline from the probes in flight (adaptive timing), at most every
// 100 ms: a probe's deadline moves with its host's estimate. The young probes are stood for by the
// latest one started.
void ScanLoop::refresh_latest_deadline(Clock::time_point now) {
  if (now < refresh_at_) return;
  refresh_at_ = now + std::chrono::milliseconds(100);
  Clock::time_point latest{};
  auto consider = [&](const Watch& w) {
    const Slot& slot = slots_[w.slot];
    if (slot.generation != w.generation || !slot.driver.active()) return;
    latest = std::max(latest, final_deadline(slot, slot.started));
  };
  if (!young_.empty()) consider(young_.back());
  for (const Due& d : due_) consider(d.watch);
  latest_deadline_.store(latest.time_since_epoch().count(), std::memory_order_relaxed);
}

// Looks at the probes due for a look: each ends when its host's current timeout has passed.
void ScanLoop::on_expiry() {
  expiry_at_ = Clock::time_point::max();
  if (finished_) return;
  Clock::time_point now = Clock::now();
  // The young ones in launch order, up to the first that is younger than any timeout.
  while (!young_.empty() && !finished_) {
    Watch w = young_.front();
    const Slot& slot = slots_[w.slot];
    if (slot.generation == w.generation && slot.driver.active()) {
      if (slot.started + floor_ > now) break;
      young_.pop_front();
      judge(w.slot, now);
    } else {
      young_.pop_front();  // done already
    }
  }
  while (!due_.empty() && due_.front().when <= now && !finished_) {
    std::pop_heap(due_.begin(), due_.end(), std::greater<>());
    Watch w = due_.back().watch;
    due_.pop_back();
    const Slot& slot = slots_[w.slot];
    if (slot.generation == w.generation && slot.driver.active()) judge(w.slot, now);
  }
  if (finished_) return;
  refresh_latest_deadline(now);
  arm_expiry(now + quantum_);
}

// Ends the probe if its host's current timeout has passed; else looks again when it will have
// (while the host has not answered yet, every quantum: its first answer may shorten the wait).
void ScanLoop::judge(std::uint32_t i, Clock::time_point now) {
  Slot& slot = slots_[i];
  bool known = false;
  const std::chrono::nanoseconds timeout = timeout_of(slot.job.host_id, slot.job.runs, &known);
  Clock::time_point deadline = slot.started + timeout;
  if (deadline <= now && slot.driver.fd() < 0) {
    // Backing off after a local error, between sockets: the next socket gets a whole timeout.
    slot.started = now;
    deadline = now + timeout;
  } else if (deadline <= now) {
    // An answer the reactor has not delivered yet (a busy turn) is not a no-response: look again
    // shortly. One poll(2), only for a probe at its timeout.
    // Ask for what the driver waits for: a UDP socket is always writable, its answer is to read.
    short events = slot.driver.interest() & io::readable ? POLLIN : POLLOUT;
    pollfd p{slot.driver.fd(), events, 0};
    if (p.fd < 0 || ::poll(&p, 1, 0) != 1) {
      if (shared_.attempt_options.trace) {
        // The attempt's own note names the driver's backstop deadline, not this one.
        const RttEstimator& rtt = rtts_.get(slot.job.host_id);
        std::string srtt = rtt.sampled() ? fmt::format("SRTT {:.3f} ms", rtt.srtt_us() / 1000.0)
                           : known       ? std::string("another loop's estimate")
                                         : std::string("no answer from the host yet");
        shared_.attempt_options.trace(fmt::format(
            "{}: adaptive timeout of {:.3f} ms passed (attempt {}, {})", slot.target.to_string(),
            std::chrono::duration<double, std::milli>(deadline - slot.started).count(),
            slot.job.runs, srtt));
      }
      slot.driver.expire();  // delivers the no-response (on_done) before it returns
      return;
    }
    deadline = now + quantum_;
  }
  Clock::time_point when = known ? deadline : std::min(deadline, now + quantum_);
  // A probe this old is likely dropped: the progress line should see its wait at once.
  std::int64_t last = final_deadline(slot, slot.started).time_since_epoch().count();
  if (last > latest_deadline_.load(std::memory_order_relaxed)) {
    latest_deadline_.store(last, std::memory_order_relaxed);
  }
  due_.push_back(Due{when, Watch{i, slot.generation}});
  std::push_heap(due_.begin(), due_.end(), std::greater<>());
}

// Arms the expiry timer for the next look, not before `earliest`.
void ScanLoop::arm_expiry(Clock::time_point earliest) {
  // A probe done already says nothing about when the next one is due (its slot may even have
  // started anew since).
  while (!young_.empty()) {
    const Slot& front = slots_[young_.front().slot];
    if (front.generation == young_.front().generation && front.driver.active()) break;
    young_.pop_front();
  }
  Clock::time_point next = Clock::time_point::max();
  if (!young_.empty()) next = slots_[young_.front().slot].started + floor_;
  if (!due_.empty()) next = std::min(next, due_.front().when);
  if (next == Clock::time_point::max()) {
    if (expiry_at_ != next) reactor_.disarm(expiry_timer_);
    expiry_at_ = next;
    return;
  }
  next = std::max(next, earliest);
  if (next == expiry_at_) return;
  expiry_at_ = next;
  reactor_.arm(expiry_timer_, next);
}

void ScanLoop::release(std::uint32_t i) {
  Slot& slot = slots_[i];
  if (shared_.per_host_per_loop) {
    --host_in_flight_[slot.job.host_id];
    auto it = parked_.find(slot.job.host_id);
    if (it != parked_.end()) {
      // The host has room again: its oldest held-back probe goes first.
      ready_.push_back(it->second.front());
      it->second.pop_front();
      --parked_count_;
      if (it->second.empty()) parked_.erase(it);
    }
  }
  --in_flight_;
  in_flight_count_.store(in_flight_, std::memory_order_relaxed);
  free_.push_back(i);
}

void ScanLoop::on_retry(std::uint32_t i, const Outcome& failed) {
  attempt_count_.fetch_add(1, std::memory_order_relaxed);
  // A fresh socket follows: its timeout counts from now.
  if (shared_.adaptive) slots_[i].started = Clock::now();
  if (failed.reason == Reason::self_connect) {
    ++self_connects_;
    return;
  }
  // Not the peer's answer: fewer sockets in flight and a short pause before new probes start.
  ++local_retries_;
  window_.shrink(in_flight_);
  backoff_until_ = Clock::now() + local_backoff(consecutive_local_++);
}

void ScanLoop::on_done(std::uint32_t i, Outcome& outcome) {
  Job job = slots_[i].job;
  job.sockets = static_cast<std::uint16_t>(job.sockets + outcome.attempts);
  release(i);
  schedule(Clock::now());
  if (shared_.adaptive && outcome.reason != Reason::no_response &&
      (outcome.state == State::open || outcome.state == State::closed ||
       outcome.state == State::filtered)) {
    // An answer from the network (SYN-ACK, RST or ICMP unreachable): a round-trip sample.
    rtts_.sample(job.host_id, outcome.rtt, job.runs);
    shared_.publish_hint(job.host_id, rtts_.get(job.host_id).base(shared_.bounds));
  }
  if (outcome.reason == Reason::no_response && job.runs <= allowed_retries(job.host_id)) {
    retry_.push_back(job);
    return;
  }
  if (outcome.reason != Reason::local_resources) {
    consecutive_local_ = 0;
    window_.grow();
  }
  outcome.attempts = job.sockets;
  if (outcome.socket && !shared_.options.connect.keep_socket) {
    if (shared_.options.connect.linger_zero) {
      // Close with RST: the probe leaves no TIME_WAIT behind to hold the local port.
      linger lg{1, 0};
      sys().setsockopt(outcome.socket.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    outcome.socket.reset();
  }
  done_count_.fetch_add(1, std::memory_order_relaxed);
  Probe probe{job.group, job.host, job.port, index_};
  shared_.callback(probe, outcome);
}

void ScanLoop::finish() {
  if (finished_) return;
  finished_ = true;
  reactor_.disarm(*this);
  reactor_.disarm(expiry_timer_);
  expiry_at_ = Clock::time_point::max();
  pump_at_ = Clock::time_point::max();
  if (on_finished_) on_finished_();
}

}  // namespace nbc::detail
