// The statistics of `nbconnect ping`: pure arithmetic over the probe times, kept apart so that
// unit tests check it against hand-computed figures.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

namespace nbc::cli {

struct RttStats {
  double min_ms = 0, avg_ms = 0, max_ms = 0, mdev_ms = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;
};

struct PingStats {
  std::size_t sent = 0;
  std::size_t connected = 0;
  std::size_t failed = 0;
  double loss_pct = 0;          // failed / sent, 0 when nothing was sent
  std::optional<RttStats> rtt;  // over the connected probes; empty at 100% loss
};

// The nearest-rank percentile (the smallest value with at least p% of the values at or below
// it) of sorted, non-empty values.
inline double nearest_rank(const std::vector<double>& sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

// rtts_ms: the round-trip times of the connected probes. mdev is ping's: the population
// standard deviation, sqrt(mean(x^2) - mean(x)^2).
inline PingStats compute_ping_stats(std::size_t sent, std::vector<double> rtts_ms) {
  PingStats s;
  s.sent = sent;
  s.connected = rtts_ms.size();
  s.failed = sent - std::min(sent, s.connected);
  s.loss_pct = sent == 0 ? 0.0 : 100.0 * static_cast<double>(s.failed) / static_cast<double>(sent);
  if (rtts_ms.empty()) return s;
  std::sort(rtts_ms.begin(), rtts_ms.end());
  RttStats r;
  double sum = 0, sum_sq = 0;
  for (double x : rtts_ms) {
    sum += x;
    sum_sq += x * x;
  }
  double n = static_cast<double>(rtts_ms.size());
  r.min_ms = rtts_ms.front();
  r.max_ms = rtts_ms.back();
  r.avg_ms = sum / n;
  r.mdev_ms = std::sqrt(std::max(0.0, sum_sq / n - r.avg_ms * r.avg_ms));
  r.p50_ms = nearest_rank(rtts_ms, 50);
  r.p90_ms = nearest_rank(rtts_ms, 90);
  r.p99_ms = nearest_rank(rtts_ms, 99);
  s.rtt = r;
  return s;
}

}  // namespace nbc::cli
