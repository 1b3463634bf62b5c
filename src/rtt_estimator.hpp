// Per-host round-trip estimation for the scan's adaptive timeouts (RFC 6298: SRTT and RTTVAR with
// alpha 1/8 and beta 1/4, timeout SRTT + max(G, 4 RTTVAR) within bounds), and the table of one
// estimate per host that a scan loop keeps. Twelve bytes a host; a plan of very many hosts keeps
// only the hosts that answered.
#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace nbc::detail {

// The bounds of every adaptive timeout (EngineOptions::RttTiming, normalised: min <= max and
// initial <= max).
struct RttBounds {
  std::chrono::nanoseconds initial{std::chrono::seconds(1)};  // before a host's first answer
  std::chrono::nanoseconds min{std::chrono::milliseconds(100)};
  std::chrono::nanoseconds max{std::chrono::seconds(10)};

  // min is lowered to max, and max raised to initial, when they disagree.
  RttBounds normalised() const;
};

// The clock granularity G of RFC 6298: the least margin above SRTT.
inline constexpr std::chrono::nanoseconds kRttGranularity = std::chrono::milliseconds(1);

class RttEstimator {
 public:
  // A measured round trip of an answer to the probe's `run`-th attempt (1 = first).
  void sample(std::chrono::nanoseconds rtt, unsigned run);
  bool sampled() const { return samples_ != 0; }
  float srtt_us() const { return srtt_us_; }
  float rttvar_us() const { return rttvar_us_; }
  // The highest attempt number (1 = first) that was ever answered: a host that answered a retry
  // loses probes on the way, so more retries are worth it.
  unsigned best_run() const { return best_run_; }
  // The timeout of a probe's `run`-th attempt: the host's estimate doubled per earlier attempt,
  // within the bounds; before any answer, the initial timeout for every attempt (nothing measured
  // to back off from).
  std::chrono::nanoseconds timeout(const RttBounds& bounds, unsigned run) const {
    return sampled() ? backed_off(base(bounds), bounds, run) : base(bounds);
  }
  // A first attempt's timeout: SRTT + max(G, 4 RTTVAR) within the bounds, or the initial one.
  std::chrono::nanoseconds base(const RttBounds& bounds) const;
  // `base` doubled per earlier attempt, within the bounds (RFC 6298 5.5).
  static std::chrono::nanoseconds backed_off(std::chrono::nanoseconds base, const RttBounds& bounds,
                                             unsigned run);

 private:
  float srtt_us_ = 0;
  float rttvar_us_ = 0;
  std::uint8_t samples_ = 0;  // saturates: only "none" and "some" matter
  std::uint8_t best_run_ = 0;
};

// One estimate per host id of a plan: a flat table up to kDenseHosts hosts, else a map holding only
// the hosts that answered (a host with no entry has had no answer).
class HostRtts {
 public:
  static constexpr std::uint32_t kDenseHosts = 1u << 20;

  explicit HostRtts(std::uint32_t hosts = 0);
  // The host's estimate; a fresh one for a host never sampled.
  const RttEstimator& get(std::uint32_t host) const;
  void sample(std::uint32_t host, std::chrono::nanoseconds rtt, unsigned run);

 private:
  std::vector<RttEstimator> dense_;
  std::unordered_map<std::uint32_t, RttEstimator> sparse_;
  bool use_dense_ = true;
};

}  // namespace nbc::detail
