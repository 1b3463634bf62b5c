// Engine: one EventLoop and one ScanLoop per thread; and Scanner: one ScanLoop on the caller's
// reactor. The probes' scheduling is scan_loop.cpp's; every attempt is the attempt driver's.
#include "nbconnect/engine.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "limits.hpp"
#include "nbconnect/event_loop.hpp"
#include "scan_loop.hpp"

namespace nbc {

using detail::Clock;

namespace {

// The engine's threads, started before anything else and parked until run() hands them their
// work. A thread may fail to start -- its stack is mapped at creation, so a small address-space
// limit (ulimit -v) refuses it -- and the scan is then planned for the threads that did start
// instead of aborting in std::thread's destructor. When none starts, the error says why.
class Workers {
 public:
  explicit Workers(unsigned wanted) {
    threads_.reserve(wanted);
    for (unsigned t = 0; t < wanted; ++t) {
      try {
        threads_.emplace_back([this, t] { park(t); });
      } catch (const std::system_error& e) {
        error_ = e.code();
        break;
      }
    }
    if (threads_.empty()) {
      throw std::system_error(error_,
                              "cannot start a thread for the scan (is the address-space "
                              "limit, ulimit -v, too small?)");
    }
  }
  ~Workers() { join(); }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  unsigned size() const { return static_cast<unsigned>(threads_.size()); }
  // Why fewer threads started than wanted (empty when all did).
  std::error_code error() const { return error_; }
  // Lets thread t run body(t), for t < size(), once.
  void run(std::function<void(unsigned)> body) {
    std::lock_guard lock(mutex_);
    body_ = std::move(body);
    released_ = true;
    cv_.notify_all();
  }
  // Waits for every thread; threads never given work end without running anything.
  void join() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
      cv_.notify_all();
    }
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void park(unsigned t) {
    std::function<void(unsigned)> body;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return released_; });
      body = body_;
    }
    if (body) body(t);
  }

  std::vector<std::thread> threads_;
  std::error_code error_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool released_ = false;
  std::function<void(unsigned)> body_;
};

}  // namespace

std::uint64_t ScanPlan::size() const {
  std::uint64_t n = 0;
  for (const ScanGroup& g : groups) n += g.hosts.size() * g.ports.size();
  return n;
}

std::uint64_t ScanPlan::shard_size() const {
  std::uint64_t n = size();
  if (shard_count > 1) n = n / shard_count + (shard_index < n % shard_count ? 1 : 0);
  return n - skipped();
}

struct Scanner::Impl {
  Impl(Reactor& reactor, const ScanPlan& plan, const EngineOptions& opts, ProbeCallback probe)
      : options(opts),
        on_probe(std::move(probe)),
        shared(plan, options, on_probe, 1),
        loop(reactor, shared, 0, [this] {
          if (on_done) on_done(stats());
        }) {}

  EngineStats stats() const {
    EngineStats s = loop.stats();
    s.backend = options.connect.backend;
    s.elapsed = Clock::now() - begun;
    return s;
  }

  EngineOptions options;
  ProbeCallback on_probe;
  detail::ScanShared shared;
  DoneCallback on_done;
  Clock::time_point begun{};
  detail::ScanLoop loop;
};

Scanner::Scanner(Reactor& reactor, const ScanPlan& plan, const EngineOptions& options,
                 ProbeCallback on_probe)
    : impl_(std::make_unique<Impl>(reactor, plan, options, std::move(on_probe))) {}

Scanner::~Scanner() = default;

void Scanner::start(DoneCallback done) {
  impl_->on_done = std::move(done);
  impl_->begun = Clock::now();
  impl_->loop.start();
}

void Scanner::stop() {
  impl_->loop.stop();
}

bool Scanner::finished() const {
  return impl_->loop.finished();
}

EngineStats Scanner::stats() const {
  return impl_->stats();
}

namespace {

// Watches the engine's wake eventfd: its readiness only ends the loop's wait; the loop's turn
// then sees Engine::stop_. It is never read, so it stays readable for every loop of the run.
struct WakeWatch final : IoHandler {
  void on_io(std::uint32_t) override {}
};

}  // namespace

Engine::Engine(EngineOptions options) : options_(std::move(options)) {}

Engine::~Engine() {
  if (int fd = wake_fd_.load(); fd >= 0) ::close(fd);
}

void Engine::stop() {
  stop_.store(true);
  if (int fd = wake_fd_.load(); fd >= 0) {
    std::uint64_t one = 1;
    ssize_t ignored = ::write(fd, &one, sizeof one);  // EAGAIN: it is readable already
    (void)ignored;
  }
}

EngineStats Engine::run(const ScanPlan& plan, const ProbeCallback& callback) {
  auto started = Clock::now();
  EngineOptions options = options_;
  if (!backend_available(options.connect.backend)) options.connect.backend = Backend::epoll;
  // The threads first: the plan is divided among those that could start.
  Workers workers(detail::ScanShared(plan, options, callback, options.threads).threads);
  detail::ScanShared shared(plan, options, callback, workers.size());
  const unsigned threads = shared.threads;

  // The wake descriptor is stored before stop_ is read, and stop() stores stop_ before it reads
  // the descriptor: whichever comes second sees the other. Without an eventfd (descriptors ran
  // out) the loops look at stop_ at least every 100 ms instead.
  int wake_fd = wake_fd_.load();
  // Each loop holds its poller and needs at least one socket: with fewer descriptors than that,
  // every probe would only retry EMFILE until its retries ran out. A local shortage, said at once.
  if (detail::free_descriptors(fd_limit()) < static_cast<std::size_t>(threads) + 1) {
    throw std::system_error(EMFILE, std::generic_category(),
                            "no descriptor left for a socket beside the event loop");
  }
  // Under a tiny descriptor limit the eventfd would take the one a socket needs (each loop holds
  // its poller and at least one socket): go without it then.
  if (wake_fd < 0 && detail::free_descriptors(fd_limit()) > threads * 2) {
    wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd >= 0) wake_fd_.store(wake_fd);
  }
  if (stop_.load()) {
    EngineStats stats;
    stats.threads = threads;
    stats.backend = options.connect.backend;
    stats.interrupted = shared.shard_total > 0;
    stats.elapsed = Clock::now() - started;
    return stats;
  }

  // Every loop has its poller before any loop opens a socket: a loop that filled the descriptor
  // table must not keep the next one from starting.
  EventLoopOptions loop_options;
  loop_options.backend = options.connect.backend;
  loop_options.capacity_hint =
      static_cast<unsigned>(std::min<std::size_t>(shared.window_per_loop, 1u << 20));
  loop_options.uring_connect = true;
  loop_options.trace = options.connect.trace;
  std::vector<std::unique_ptr<EventLoop>> loops;
  for (unsigned t = 0; t < threads; ++t) {
    loops.push_back(std::make_unique<EventLoop>(loop_options));
    if (int r = loops.back()->open(); r < 0) {
      throw std::system_error(-r, std::generic_category(), "event loop");
    }
  }
  bool uring_connect = loops.front()->completes_connects();
  if (options.on_info) {
    std::string note;
    if (options.connect.backend != options_.connect.backend) {
      note = fmt::format(" ({} is not available here)", to_string(options_.connect.backend));
    } else if (options.connect.backend == Backend::uring) {
      note = uring_connect ? " (IORING_OP_CONNECT)" : " (poll fallback: no IORING_OP_CONNECT)";
    }
    options.on_info(fmt::format(
        "engine: backend {}{}, {} loop(s), {} socket(s) in flight per loop, {} probe(s)",
        to_string(options.connect.backend), note, threads, shared.window_per_loop,
        shared.shard_total));
    if (workers.error()) {
      options.on_info(fmt::format("engine: only {} thread(s) could start: {}", workers.size(),
                                  workers.error().message()));
    }
  }

  std::vector<std::optional<detail::ScanLoop>> scans(threads);
  for (unsigned t = 0; t < threads; ++t) scans[t].emplace(*loops[t], shared, t, nullptr);
  std::vector<std::exception_ptr> errors(threads);
  std::mutex mutex;
  std::condition_variable finished_cv;
  unsigned finished = 0;
  std::vector<WakeWatch> wake_watches(threads);
  auto body = [&](unsigned t) {
    bool watching = false;
    try {
      detail::ScanLoop& scan = *scans[t];
      watching = wake_fd >= 0 && loops[t]->watch(wake_fd, io::readable, wake_watches[t]) == 0;
      auto limit = watching ? std::chrono::nanoseconds(-1) : std::chrono::milliseconds(100);
      scan.start();
      while (!scan.finished()) {
        if (stop_.load(std::memory_order_relaxed)) {
          scan.stop();
          break;
        }
        loops[t]->run_once(limit);
      }
      if (watching) loops[t]->unwatch(wake_fd, false);
    } catch (...) {
      if (watching) loops[t]->unwatch(wake_fd, false);
      errors[t] = std::current_exception();
      shared.stop.store(true);
    }
    std::lock_guard lock(mutex);
    ++finished;
    finished_cv.notify_all();
  };
  workers.run([&](unsigned t) {
    if (t < threads) body(t);
  });

  auto report = [&] {
    if (!options.on_progress) return;
    EngineProgress p;
    p.total = shared.shard_total;
    std::int64_t latest = 0;
    for (const auto& scan : scans) {
      p.done += scan->done();
      p.attempts += scan->attempts();
      p.in_flight += scan->in_flight();
      latest = std::max(latest, scan->latest_deadline());
    }
    auto now = Clock::now();
    p.elapsed = now - started;
    auto left = std::chrono::nanoseconds(latest - now.time_since_epoch().count());
    if (p.in_flight > 0 && left.count() > 0) p.pending = left;
    options.on_progress(p);
  };
  {
    std::unique_lock lock(mutex);
    auto interval = options.progress_interval.count() > 0 ? options.progress_interval
                                                          : std::chrono::milliseconds(250);
    while (finished < threads) {
      if (finished_cv.wait_for(lock, interval, [&] { return finished == threads; })) break;
      lock.unlock();
      report();
      lock.lock();
    }
  }
  workers.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  report();

  EngineStats stats;
  stats.threads = threads;
  stats.window = shared.window_per_loop * threads;
  stats.backend = options.connect.backend;
  stats.uring_connect = uring_connect;
  for (const auto& scan : scans) {
    EngineStats s = scan->stats();
    stats.probes += s.probes;
    stats.attempts += s.attempts;
    stats.local_retries += s.local_retries;
    stats.self_connects += s.self_connects;
  }
  stats.interrupted = stop_.load() && stats.probes < shared.shard_total;
  stats.elapsed = Clock::now() - started;
  return stats;
}

}  // namespace nbc
