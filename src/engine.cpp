// The scan engine: one event loop per thread, each running its share of the probes to their
// final outcomes with the connect state machine of one attempt (attempt.hpp).
#include "nbconnect/engine.hpp"

#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "attempt.hpp"
#include "engine_order.hpp"
#include "limits.hpp"
#include "poller/connect_ring.hpp"
#include "poller/poller.hpp"
#include "sys.hpp"

namespace nbc {
namespace {

using detail::Attempt;
using detail::Clock;
using detail::Step;

constexpr std::uint32_t kNone = ~std::uint32_t{0};
// Fresh sockets tried after a local error before it is reported (with back-off between).
constexpr int kLocalRetries = 8;
// Jobs held back because their host is at its in-flight cap, before the loop stops drawing more.
constexpr std::size_t kParkLimit = 8192;
// Probes started between two looks at the poller and the deadlines.
constexpr int kLaunchBatch = 256;

struct Job {
  std::uint64_t index = 0;
  std::uint32_t group = 0;
  std::uint32_t host = 0;
  std::uint32_t host_id = 0;  // over all groups, for the per-host cap
  std::uint16_t port = 0;
  std::uint8_t tries = 0;  // sockets used
  std::uint8_t local_tries = 0;
  std::uint8_t self_tries = 0;
};

struct Slot {
  Endpoint target;
  std::optional<Attempt> attempt;
  Job job;
  std::uint32_t prev = kNone;
  std::uint32_t next = kNone;
  std::uint32_t generation = 0;
  int fd = -1;
  bool registered = false;
  bool in_ring = false;  // its IORING_OP_CONNECT has not completed yet
};

struct alignas(64) Counters {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> attempts{0};
};

// Shared, read-only during the run.
struct RunContext {
  const ScanPlan* plan = nullptr;
  const ProbeCallback* callback = nullptr;
  const EngineOptions* options = nullptr;
  ConnectOptions attempt_options;          // what each Attempt sees
  std::vector<std::uint64_t> group_start;  // first probe index of each group
  std::vector<std::uint32_t> host_base;    // first host id of each group
  std::uint32_t host_count = 0;
  detail::ProbeOrder order;
  unsigned threads = 1;
  std::size_t window_per_loop = 1;
  std::size_t per_host_per_loop = 0;
  double rate_per_loop = 0;
  Backend backend = Backend::epoll;
  std::atomic<bool> stop{false};
};

class Loop {
 public:
  // With a ring, connects are submitted to it and its completions are the answers; without, the
  // poller reports readiness.
  Loop(RunContext& ctx, unsigned index, Counters& counters, std::unique_ptr<detail::Poller> poller,
       std::unique_ptr<detail::ConnectRing> ring)
      : ctx_(ctx),
        index_(index),
        counters_(counters),
        poller_(std::move(poller)),
        ring_(std::move(ring)),
        window_(ctx.window_per_loop) {}

  EngineStats run() {
    EngineStats stats;
    const ConnectOptions& co = ctx_.attempt_options;
    if (co.trace && poller_) poller_->set_tracer(&co.trace);
    backend_ = ring_ ? Backend::uring : poller_->backend();
    if (ctx_.per_host_per_loop) host_in_flight_.assign(ctx_.host_count, 0);
    Clock::time_point now = Clock::now();
    if (ctx_.rate_per_loop > 0) rate_ = detail::RateLimiter(ctx_.rate_per_loop, now);
    next_position_ = index_;

    std::array<detail::PollEvent, 512> events{};
    std::array<detail::ConnectCompletion, 512> completions{};
    while (!ctx_.stop.load(std::memory_order_relaxed)) {
      now = Clock::now();
      expire(now);
      bool more = launch(now);
      if (in_flight_ == 0 && idle()) break;
      now = Clock::now();
      // More probes could start at once: only look at what is ready, without waiting.
      auto wake = more ? std::optional<Clock::time_point>(now) : next_wake(now);
      std::chrono::nanoseconds timeout =
          wake ? std::max(*wake - now, Clock::duration::zero()) : std::chrono::nanoseconds(-1);
      int n = ring_ ? ring_->wait(completions, timeout) : poller_->wait(events, timeout);
      if (n < 0) {
        if (n == -EINTR) continue;
        throw std::system_error(-n, std::generic_category(),
                                ring_ ? "io_uring wait" : "poller wait");
      }
      now = Clock::now();
      for (int i = 0; i < n; ++i) {
        if (ring_) {
          on_completion(completions[i], now);
        } else {
          on_event(events[i], now);
        }
      }
    }
    stats.attempts = attempts_;
    stats.local_retries = local_retries_;
    stats.self_connects = self_connects_;
    stats.probes = done_;
    stats.backend = backend_;
    return stats;
  }

  Backend backend() const { return backend_; }

 private:
  bool idle() const {
    return ready_.empty() && retry_.empty() && parked_count_ == 0 && generator_done_;
  }

  std::optional<Clock::time_point> next_wake(Clock::time_point now) const {
    std::optional<Clock::time_point> wake;
    auto consider = [&](Clock::time_point t) {
      if (!wake || t < *wake) wake = t;
    };
    if (head_ != kNone) consider(slots_[head_].attempt->deadline());
    bool more_work = !ready_.empty() || !retry_.empty() || !generator_done_;
    if (more_work && in_flight_ < window_.size()) {
      if (now < backoff_until_) consider(backoff_until_);
      if (rate_.limited()) consider(rate_.next_token());
    }
    if (!wake && in_flight_ == 0 && !idle()) consider(now + std::chrono::milliseconds(1));
    return wake;
  }

  // Draws the next probe of this loop's share from the order.
  bool draw(Job& job) {
    const std::uint64_t total = ctx_.order.size();
    const ScanPlan& plan = *ctx_.plan;
    while (next_position_ < total) {
      std::uint64_t index = ctx_.order.at(next_position_);
      next_position_ += ctx_.threads;
      if (plan.shard_count > 1 && index % plan.shard_count != plan.shard_index) continue;
      auto it = std::upper_bound(ctx_.group_start.begin(), ctx_.group_start.end(), index);
      auto g = static_cast<std::uint32_t>(it - ctx_.group_start.begin() - 1);
      const ScanGroup& group = plan.groups[g];
      std::uint64_t local = index - ctx_.group_start[g];
      job = Job{};
      job.index = index;
      job.group = g;
      job.host = static_cast<std::uint32_t>(local / group.ports.size());
      job.port = group.ports[local % group.ports.size()];
      job.host_id = ctx_.host_base[g] + job.host;
      return true;
    }
    generator_done_ = true;
    return false;
  }

  bool host_full(const Job& job) const {
    return ctx_.per_host_per_loop && host_in_flight_[job.host_id] >= ctx_.per_host_per_loop;
  }

  void park(const Job& job) {
    parked_[job.host_id].push_back(job);
    ++parked_count_;
  }

  bool next_job(Job& job) {
    for (auto* queue : {&ready_, &retry_}) {
      while (!queue->empty()) {
        job = queue->front();
        queue->pop_front();
        if (!host_full(job)) return true;
        park(job);
      }
    }
    while (parked_count_ < kParkLimit && draw(job)) {
      if (!host_full(job)) return true;
      park(job);
    }
    return false;
  }

  // Starts probes while the window, the rate and the back-off allow, at most a batch at a time so
  // that answers and deadlines are not left waiting. Returns whether the batch ran out first.
  bool launch(Clock::time_point now) {
    for (int budget = kLaunchBatch; budget > 0; --budget) {
      if (in_flight_ >= window_.size() || now < backoff_until_ ||
          ctx_.stop.load(std::memory_order_relaxed)) {
        return false;
      }
      if (rate_.limited() && !rate_.take(now)) return false;
      Job job;
      if (!next_job(job)) return false;
      start(job, now);
    }
    return true;
  }

  std::uint32_t allocate_slot() {
    if (!free_.empty()) {
      std::uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    slots_.emplace_back();
    return static_cast<std::uint32_t>(slots_.size() - 1);
  }

  void start(Job job, Clock::time_point now) {
    std::uint32_t i = allocate_slot();
    Slot& slot = slots_[i];
    const ScanGroup& group = ctx_.plan->groups[job.group];
    slot.target = group.hosts[job.host];
    slot.target.set_port(job.port);
    slot.job = job;
    ++slot.job.tries;
    ++attempts_;
    counters_.attempts.store(attempts_, std::memory_order_relaxed);
    Attempt& attempt = slot.attempt.emplace(slot.target, ctx_.attempt_options);
    if (ring_) {
      start_in_ring(i, now);
      return;
    }
    Step step = attempt.start(now);
    if (step == Step::wait_writable && slot.target.is_loopback()) {
      // On loopback the kernel has usually answered within connect() itself: asking now saves
      // registering the socket with the poller at all.
      step = attempt.on_ready(detail::kWritable, Clock::now());
    }
    if (ctx_.per_host_per_loop) ++host_in_flight_[job.host_id];
    ++in_flight_;
    if (step == Step::done) {
      finish(i, now);
      return;
    }
    slot.fd = attempt.fd();
    std::uint64_t token = (std::uint64_t{slot.generation} << 32) | i;
    if (int err = poller_->add(slot.fd, detail::kWritable, token); err != 0) {
      // The poller refused it (select past FD_SETSIZE, or out of memory): a local failure.
      refused(i, err, now);
      return;
    }
    slot.registered = true;
    link(i);
  }

  // The socket, its options and the bind as usual; the connect goes to the ring with the
  // attempt's deadline linked to it, and is submitted with the rest of the batch.
  void start_in_ring(std::uint32_t i, Clock::time_point now) {
    Slot& slot = slots_[i];
    Attempt& attempt = *slot.attempt;
    Step step = attempt.start_async(now);
    if (ctx_.per_host_per_loop) ++host_in_flight_[slot.job.host_id];
    ++in_flight_;
    if (step == Step::done) {
      finish(i, now);
      return;
    }
    slot.fd = attempt.fd();
    std::uint64_t token = (std::uint64_t{slot.generation} << 32) | i;
    if (int err = ring_->connect(slot.fd, slot.target, ctx_.attempt_options.timeout, token);
        err != 0) {
      refused(i, err, now);
      return;
    }
    slot.in_ring = true;
  }

  // The poller or the ring did not take the attempt: a local failure.
  void refused(std::uint32_t i, int err, Clock::time_point now) {
    Slot& slot = slots_[i];
    Outcome o;
    o.peer = slot.target;
    o.state = State::error;
    o.reason = err == ERANGE ? Reason::fd_setsize : classify_errno(err).reason;
    o.error = err == ERANGE ? 0 : err;
    o.phase = Phase::socket;
    slot.attempt.reset();  // closes the socket
    slot.fd = -1;
    Job job = slot.job;
    release(i);
    complete(job, std::move(o), now);
  }

  void on_completion(const detail::ConnectCompletion& c, Clock::time_point now) {
    auto i = static_cast<std::uint32_t>(c.token & 0xffffffffu);
    auto generation = static_cast<std::uint32_t>(c.token >> 32);
    if (i >= slots_.size()) return;
    Slot& slot = slots_[i];
    if (!slot.attempt || slot.generation != generation || !slot.in_ring) return;
    slot.in_ring = false;
    slot.attempt->on_connect_result(c.res, now);
    finish(i, now);
  }

  void link(std::uint32_t i) {
    Slot& s = slots_[i];
    s.prev = tail_;
    s.next = kNone;
    if (tail_ != kNone) {
      slots_[tail_].next = i;
    } else {
      head_ = i;
    }
    tail_ = i;
  }

  void unlink(std::uint32_t i) {
    Slot& s = slots_[i];
    if (s.prev != kNone) {
      slots_[s.prev].next = s.next;
    } else if (head_ == i) {
      head_ = s.next;
    }
    if (s.next != kNone) {
      slots_[s.next].prev = s.prev;
    } else if (tail_ == i) {
      tail_ = s.prev;
    }
    s.prev = s.next = kNone;
  }

  void expire(Clock::time_point now) {
    while (head_ != kNone && slots_[head_].attempt->deadline() <= now) {
      std::uint32_t i = head_;
      slots_[i].attempt->on_deadline(now);
      finish(i, now);
    }
  }

  void on_event(const detail::PollEvent& event, Clock::time_point now) {
    auto i = static_cast<std::uint32_t>(event.token & 0xffffffffu);
    auto generation = static_cast<std::uint32_t>(event.token >> 32);
    if (i >= slots_.size()) return;
    Slot& slot = slots_[i];
    if (!slot.attempt || slot.generation != generation || !slot.registered) return;
    if (slot.attempt->on_ready(event.events, now) == Step::done) finish(i, now);
  }

  // Returns the slot to the free list; the attempt must be gone.
  void release(std::uint32_t i) {
    Slot& slot = slots_[i];
    if (ctx_.per_host_per_loop) {
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
    ++slot.generation;
    slot.registered = false;
    slot.in_ring = false;
    slot.fd = -1;
    free_.push_back(i);
  }

  // The attempt in slot i is done: collect its outcome and free the slot.
  void finish(std::uint32_t i, Clock::time_point now) {
    Slot& slot = slots_[i];
    if (slot.registered) unlink(i);
    Outcome outcome = slot.attempt->take();
    slot.attempt.reset();
    if (slot.registered && (backend_ != Backend::epoll || outcome.socket)) {
      // epoll forgets a descriptor when it is closed; the other pollers, and a socket that stays
      // open, need an explicit removal.
      poller_->remove(slot.fd);
    }
    Job job = slot.job;
    release(i);
    complete(job, std::move(outcome), now);
  }

  void complete(Job job, Outcome&& outcome, Clock::time_point now) {
    const EngineOptions& options = *ctx_.options;
    if (outcome.reason == Reason::local_resources && job.local_tries < kLocalRetries) {
      // Not the peer's answer: fewer sockets in flight, a short pause, a fresh socket.
      ++job.local_tries;
      ++local_retries_;
      window_.shrink(in_flight_ + 1);
      backoff_until_ = now + detail::local_backoff(consecutive_local_++);
      ready_.push_front(job);
      return;
    }
    if (outcome.reason == Reason::self_connect &&
        job.self_tries < options.connect.self_connect_retries) {
      ++job.self_tries;
      ++self_connects_;
      ready_.push_back(job);
      return;
    }
    if (outcome.reason == Reason::no_response &&
        job.tries - job.local_tries - job.self_tries <= options.retries) {
      retry_.push_back(job);
      return;
    }
    if (outcome.reason != Reason::local_resources) {
      consecutive_local_ = 0;
      window_.grow();
    }
    outcome.attempts = job.tries;
    if (outcome.socket && !options.connect.keep_socket) {
      if (options.connect.linger_zero) {
        // Close with RST: the probe leaves no TIME_WAIT behind to hold the local port.
        linger lg{1, 0};
        detail::sys().setsockopt(outcome.socket.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      }
      outcome.socket.reset();
    }
    ++done_;
    counters_.done.store(done_, std::memory_order_relaxed);
    Probe probe{job.group, job.host, job.port, index_};
    (*ctx_.callback)(probe, outcome);
  }

  RunContext& ctx_;
  unsigned index_;
  Counters& counters_;
  std::unique_ptr<detail::Poller> poller_;
  std::unique_ptr<detail::ConnectRing> ring_;
  Backend backend_ = Backend::epoll;
  detail::Window window_;
  detail::RateLimiter rate_;
  std::deque<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::uint32_t head_ = kNone;
  std::uint32_t tail_ = kNone;
  std::size_t in_flight_ = 0;
  std::deque<Job> ready_;
  std::deque<Job> retry_;
  std::unordered_map<std::uint32_t, std::deque<Job>> parked_;
  std::size_t parked_count_ = 0;
  std::vector<std::uint32_t> host_in_flight_;
  std::uint64_t next_position_ = 0;
  bool generator_done_ = false;
  Clock::time_point backoff_until_{};
  int consecutive_local_ = 0;
  std::uint64_t attempts_ = 0;
  std::uint64_t local_retries_ = 0;
  std::uint64_t self_connects_ = 0;
  std::uint64_t done_ = 0;
};

}  // namespace

#ifndef NBC_HAVE_URING
std::unique_ptr<detail::ConnectRing> detail::make_connect_ring(unsigned, int& err) {
  err = ENOSYS;
  return nullptr;
}
#endif

std::uint64_t ScanPlan::size() const {
  std::uint64_t n = 0;
  for (const ScanGroup& g : groups) n += g.hosts.size() * g.ports.size();
  return n;
}

std::uint64_t ScanPlan::shard_size() const {
  std::uint64_t n = size();
  if (shard_count <= 1) return n;
  return n / shard_count + (shard_index < n % shard_count ? 1 : 0);
}

Engine::Engine(EngineOptions options) : options_(std::move(options)) {}

EngineStats Engine::run(const ScanPlan& plan, const ProbeCallback& callback) {
  auto started = Clock::now();
  RunContext ctx;
  ctx.plan = &plan;
  ctx.callback = &callback;
  ctx.options = &options_;
  ctx.attempt_options = options_.connect;
  // The loop closes open sockets itself, setting linger 0 only on those: a refused or unanswered
  // socket leaves no TIME_WAIT, so the option would be a wasted system call on most probes.
  ctx.attempt_options.keep_socket = true;
  ctx.attempt_options.linger_zero = false;

  std::uint64_t total = 0;
  std::uint32_t hosts = 0;
  for (const ScanGroup& g : plan.groups) {
    ctx.group_start.push_back(total);
    ctx.host_base.push_back(hosts);
    if (g.ports.empty() || g.hosts.empty()) {
      // An empty group has no probes; keep the table monotonic.
      continue;
    }
    total += g.hosts.size() * g.ports.size();
    hosts += static_cast<std::uint32_t>(g.hosts.size());
  }
  ctx.host_count = hosts;
  if (plan.shard_count == 0 || plan.shard_index >= plan.shard_count) {
    throw std::invalid_argument("shard index out of range");
  }
  ctx.order = detail::ProbeOrder(total, plan.order == Order::random, plan.seed);

  unsigned threads =
      options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  std::size_t concurrency = options_.concurrency;
  if (concurrency == 0) concurrency = default_concurrency(raise_fd_limit());
  if (options_.connect.backend == Backend::select) {
    // select() cannot watch a descriptor at or past FD_SETSIZE.
    concurrency = std::min<std::size_t>(concurrency, FD_SETSIZE - 64);
  }
  if (options_.per_host)
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, options_.per_host));
  std::uint64_t shard_total = plan.shard_size();
  threads = static_cast<unsigned>(std::max<std::uint64_t>(
      1, std::min<std::uint64_t>(threads, std::max<std::uint64_t>(1, shard_total))));
  threads =
      static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, concurrency)));
  ctx.threads = threads;
  ctx.window_per_loop = std::max<std::size_t>(1, concurrency / threads);
  ctx.per_host_per_loop =
      options_.per_host ? std::max<std::size_t>(1, options_.per_host / threads) : 0;
  ctx.rate_per_loop = options_.rate > 0 ? options_.rate / threads : 0;
  ctx.backend = options_.connect.backend;
  if (!backend_available(ctx.backend)) ctx.backend = Backend::epoll;

  std::vector<Counters> counters(threads);
  std::vector<EngineStats> loop_stats(threads);
  std::vector<std::exception_ptr> errors(threads);
  std::mutex mutex;
  std::condition_variable finished_cv;
  unsigned finished = 0;

  // Every poller exists before any loop opens a socket: a loop that filled the descriptor table
  // must not keep the next one from starting.
  std::vector<std::unique_ptr<detail::Poller>> pollers(threads);
  std::vector<std::unique_ptr<detail::ConnectRing>> rings(threads);
  auto hint = static_cast<unsigned>(std::min<std::size_t>(ctx.window_per_loop, 1u << 20));
  int ring_error = 0;
  if (ctx.backend == Backend::uring) {
    // Completion-based connects where the kernel has IORING_OP_CONNECT; else (or if any loop
    // cannot have its ring) the uring readiness poller for every loop.
    for (unsigned t = 0; t < threads && ring_error == 0; ++t) {
      rings[t] = detail::make_connect_ring(hint, ring_error);
    }
    if (ring_error != 0) {
      for (auto& r : rings) r.reset();
    }
  }
  bool uring_connect = ctx.backend == Backend::uring && ring_error == 0;
  for (unsigned t = 0; t < threads && !uring_connect; ++t) {
    auto made = detail::make_poller(ctx.backend, hint);
    if (!made && ctx.backend != Backend::epoll) made = detail::make_poller(Backend::epoll, hint);
    if (!made) throw std::system_error(made.error(), std::generic_category(), "poller");
    pollers[t] = std::move(*made);
  }

  if (options_.on_info) {
    std::string note;
    Backend running = uring_connect ? Backend::uring : pollers.front()->backend();
    if (running != options_.connect.backend) {
      note = fmt::format(" ({} is not available here)", to_string(options_.connect.backend));
    } else if (running == Backend::uring) {
      note = uring_connect ? " (IORING_OP_CONNECT)"
                           : fmt::format(" (poll fallback: {})", std::strerror(ring_error));
    }
    options_.on_info(
        fmt::format("engine: backend {}{}, {} loop(s), {} socket(s) in flight per loop, "
                    "{} probe(s)",
                    to_string(running), note, threads, ctx.window_per_loop, shard_total));
  }

  auto body = [&](unsigned t) {
    try {
      Loop loop(ctx, t, counters[t], std::move(pollers[t]), std::move(rings[t]));
      loop_stats[t] = loop.run();
    } catch (...) {
      errors[t] = std::current_exception();
      ctx.stop.store(true);
    }
    std::lock_guard lock(mutex);
    ++finished;
    finished_cv.notify_all();
  };
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(body, t);

  auto report = [&] {
    if (!options_.on_progress) return;
    EngineProgress p;
    p.total = shard_total;
    for (const Counters& c : counters) {
      p.done += c.done.load(std::memory_order_relaxed);
      p.attempts += c.attempts.load(std::memory_order_relaxed);
    }
    p.elapsed = Clock::now() - started;
    options_.on_progress(p);
  };
  {
    std::unique_lock lock(mutex);
    auto interval = options_.progress_interval.count() > 0 ? options_.progress_interval
                                                           : std::chrono::milliseconds(250);
    while (finished < threads) {
      if (finished_cv.wait_for(lock, interval, [&] { return finished == threads; })) break;
      lock.unlock();
      report();
      lock.lock();
    }
  }
  for (std::thread& w : workers) w.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  report();

  EngineStats stats;
  stats.threads = threads;
  stats.window = ctx.window_per_loop * threads;
  stats.backend = loop_stats.empty() ? ctx.backend : loop_stats[0].backend;
  stats.uring_connect = uring_connect;
  for (const EngineStats& s : loop_stats) {
    stats.probes += s.probes;
    stats.attempts += s.attempts;
    stats.local_retries += s.local_retries;
    stats.self_connects += s.self_connects;
  }
  stats.elapsed = Clock::now() - started;
  return stats;
}

}  // namespace nbc
