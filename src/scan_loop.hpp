// One loop's share of a scan: draws its probes from the plan's order, starts them through the
// attempt driver on a Reactor within the window, rate and per-host caps, retries no-response,
// ends probes at their host's adaptive timeout (rtt_estimator.hpp) when asked, and hands each
// final outcome to the callback. Engine runs one per thread; Scanner runs one on the caller's
// reactor. Only scheduling lives here: every attempt is a Driver's.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "driver.hpp"
#include "engine_order.hpp"
#include "limits.hpp"
#include "nbconnect/engine.hpp"
#include "rtt_estimator.hpp"

namespace nbc::detail {

// What the loops of one run share; read-only while they run, but for `stop`.
struct ScanShared {
  // Fills everything from the plan and options for `threads` loops (fewer when the plan or the
  // window is small: see `threads` after the call). Throws std::invalid_argument for a bad shard.
  ScanShared(const ScanPlan& plan, const EngineOptions& options, const ProbeCallback& callback,
             unsigned threads);

  const ScanPlan& plan;
  const EngineOptions& options;
  const ProbeCallback& callback;
  ConnectOptions attempt_options;          // what each attempt sees
  std::vector<std::uint64_t> group_start;  // first probe index of each group
  std::vector<std::uint32_t> host_base;    // first host id of each group
  std::uint32_t host_count = 0;
  std::uint64_t shard_total = 0;
  ProbeOrder order;
  unsigned threads = 1;
  std::size_t window_per_loop = 1;
  std::size_t per_host_per_loop = 0;
  double rate_per_loop = 0;
  bool adaptive = false;  // options.timing.adaptive
  RttBounds bounds;       // options.timing, normalised
  // Adaptive timing with several loops: each host's latest first-attempt timeout (microseconds,
  // 0: none yet) that a loop measured, for the loops that have no answer from the host yet.
  // Four bytes a host, for plans up to HostRtts::kDenseHosts hosts; none beyond.
  std::unique_ptr<std::atomic<std::uint32_t>[]> hints;
  std::uint32_t hint_count = 0;
  std::uint32_t hint_us(std::uint32_t host) const {
    return host < hint_count ? hints[host].load(std::memory_order_relaxed) : 0;
  }
  void publish_hint(std::uint32_t host, std::chrono::nanoseconds timeout);
  std::atomic<bool> stop{false};
};

class ScanLoop final : private Timer {
 public:
  // Loop `index` of shared.threads, on `reactor`. `finished` is called once, from the reactor's
  // dispatch, after the last probe.
  ScanLoop(Reactor& reactor, ScanShared& shared, unsigned index, std::function<void()> finished);
  ~ScanLoop();

  void start();
  void stop();  // cancels the probes in flight; `finished` is not called
  bool finished() const { return finished_; }
  EngineStats stats() const;
  std::uint64_t done() const { return done_count_.load(std::memory_order_relaxed); }
  std::uint64_t attempts() const { return attempt_count_.load(std::memory_order_relaxed); }
  // Probes in flight, and the latest deadline any of them had when it started (retries included;
  // nanoseconds of Clock's epoch): cheap reads for the progress line from another thread.
  std::uint64_t in_flight() const { return in_flight_count_.load(std::memory_order_relaxed); }
  std::int64_t latest_deadline() const { return latest_deadline_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    std::uint64_t index = 0;
    std::uint32_t group = 0;
    std::uint32_t host = 0;
    std::uint32_t host_id = 0;  // over all groups, for the per-host cap
    std::uint16_t port = 0;
    std::uint8_t runs = 0;  // driver runs (no-response retries)
    std::uint16_t sockets = 0;
  };
  // A probe in flight. It never moves (the reactor holds pointers to its driver).
  struct Slot final : Driver::Listener {
    Slot(Reactor& reactor, ScanLoop& loop, std::uint32_t index)
        : loop(loop), index(index), driver(reactor, *this) {}
    void on_attempt_done(Driver&, Outcome& outcome) override { loop.on_done(index, outcome); }
    void on_retry(Driver&, const Outcome& failed) override { loop.on_retry(index, failed); }
    ScanLoop& loop;
    std::uint32_t index;
    std::uint32_t generation = 0;  // launches of this slot: tells a stale expiry entry
    Endpoint target;
    Job job;
    Clock::time_point started{};  // of the current socket (adaptive timing only)
    Driver driver;
  };
  // Ends probes at their host's current timeout (adaptive timing): the loop's second timer.
  struct ExpiryTimer final : Timer {
    explicit ExpiryTimer(ScanLoop& loop) : loop(loop) {}
    void on_timer() override { loop.on_expiry(); }
    ScanLoop& loop;
  };
  struct Watch {
    std::uint32_t slot;
    std::uint32_t generation;
  };
  struct Due {
    Clock::time_point when;
    Watch watch;
    bool operator>(const Due& o) const { return when > o.when; }
  };

  void on_timer() override;
  void pump();
  void schedule(Clock::time_point when);
  bool idle() const;
  bool draw(Job& job);
  bool host_full(const Job& job) const;
  bool next_job(Job& job);
  void launch(const Job& job);
  void release(std::uint32_t i);
  void on_done(std::uint32_t i, Outcome& outcome);
  void on_retry(std::uint32_t i, const Outcome& failed);
  void finish();
  unsigned allowed_retries(std::uint32_t host_id) const;
  std::chrono::nanoseconds timeout_of(std::uint32_t host_id, unsigned run, bool* known) const;
  Clock::time_point final_deadline(const Slot& slot, Clock::time_point start) const;
  void note_deadline(const Slot& slot);
  void refresh_latest_deadline(Clock::time_point now);
  void on_expiry();
  void judge(std::uint32_t i, Clock::time_point now);
  void arm_expiry(Clock::time_point now);

  Reactor& reactor_;
  ScanShared& shared_;
  unsigned index_;
  std::function<void()> on_finished_;
  Window window_;
  RateLimiter rate_;
  std::deque<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::size_t in_flight_ = 0;
  std::deque<Job> ready_;
  std::deque<Job> retry_;
  std::unordered_map<std::uint32_t, std::deque<Job>> parked_;
  std::size_t parked_count_ = 0;
  std::vector<std::uint32_t> host_in_flight_;
  std::uint64_t next_position_ = 0;
  bool generator_done_ = false;
  bool started_ = false;
  bool finished_ = false;
  Clock::time_point pump_at_ = Clock::time_point::max();  // when the pump timer is armed for
  Clock::time_point backoff_until_{};
  int consecutive_local_ = 0;
  std::uint64_t local_retries_ = 0;
  std::uint64_t self_connects_ = 0;
  std::atomic<std::uint64_t> done_count_{0};
  std::atomic<std::uint64_t> attempt_count_{0};
  std::atomic<std::uint64_t> in_flight_count_{0};
  std::atomic<std::int64_t> latest_deadline_{0};
  // Adaptive timing: estimates per host; probes younger than the least timeout in launch order;
  // the older ones in a min-heap by when to look at them again.
  HostRtts rtts_;
  std::deque<Watch> young_;
  std::vector<Due> due_;
  ExpiryTimer expiry_timer_{*this};
  Clock::time_point expiry_at_ = Clock::time_point::max();
  std::chrono::nanoseconds floor_{0};    // no probe's timeout is shorter
  std::chrono::nanoseconds quantum_{0};  // the expiry timer fires at most this often
  Clock::time_point refresh_at_{};       // of the latest deadline, from the probes in flight
};

}  // namespace nbc::detail
