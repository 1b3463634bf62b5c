// One loop's share of a scan (scan_loop.hpp).
#include "scan_loop.hpp"

#include <fcntl.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <algorithm>
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
  rate_per_loop = options.rate > 0 ? options.rate / threads : 0;
}

ScanLoop::ScanLoop(Reactor& reactor, ScanShared& shared, unsigned index,
                   std::function<void()> finished)
    : reactor_(reactor),
      shared_(shared),
      index_(index),
      on_finished_(std::move(finished)),
      window_(shared.window_per_loop) {}

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
  if (shared_.per_host_per_loop) ++host_in_flight_[job.host_id];
  ++in_flight_;
  attempt_count_.fetch_add(1, std::memory_order_relaxed);
  slot.driver.start(slot.target, shared_.attempt_options);
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
  free_.push_back(i);
}

void ScanLoop::on_retry(const Outcome& failed) {
  attempt_count_.fetch_add(1, std::memory_order_relaxed);
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
  if (outcome.reason == Reason::no_response && job.runs <= shared_.options.retries) {
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
  pump_at_ = Clock::time_point::max();
  if (on_finished_) on_finished_();
}

}  // namespace nbc::detail
