// The statistics of `nbconnect ping`: pure arithmetic over the probe times, kept apart so that
// unit tests check it against hand-computed figures. An endless ping must run in constant
// memory, so the times are not all kept: RttRecorder holds exact running sums (count, sum, sum of
// squares, min, max) and a bounded quantile sketch for the percentiles.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
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

// The round-trip times of the connected probes, in constant memory.
//
// min, max, avg and mdev are exact (running sums). The percentiles are nearest-rank and exact
// for the first kExactSamples times; after that they come from a log-bucketed histogram (the idea
// of DDSketch): a bucket holds the times in (m*gamma^(j-1), m*gamma^j] with gamma = (1+a)/(1-a),
// and stands for 2*m*gamma^j/(gamma+1), which is within a relative error a = kRelativeError of
// every time in it. So a reported percentile q' and the exact one q satisfy |q' - q| <= a * q for
// times between kMinMs and kMaxMs (a time of 0 -- under a microsecond after rounding -- is exact; a
// time above kMaxMs counts as kMaxMs). Results are clamped to [min, max], which only helps.
// Memory: kExactSamples doubles plus kBuckets counters (about 26 KB), however long the run.
class RttRecorder {
 public:
  static constexpr std::size_t kExactSamples = 1000;
  static constexpr double kRelativeError = 0.005;
  static constexpr double kMinMs = 1e-3;  // 1 microsecond: ping rounds times to that
  static constexpr double kMaxMs = 1e7;   // about 2.8 hours
  static inline const double kGamma = (1 + kRelativeError) / (1 - kRelativeError);
  static inline const double kLogGamma = std::log(kGamma);
  static inline const std::size_t kBuckets =
      static_cast<std::size_t>(std::ceil(std::log(kMaxMs / kMinMs) / kLogGamma)) + 2;

  void add(double ms) {
    ms = std::max(0.0, ms);
    if (count_ == 0) {
      min_ = max_ = ms;
    } else {
      min_ = std::min(min_, ms);
      max_ = std::max(max_, ms);
    }
    ++count_;
    sum_ += ms;
    sum_sq_ += ms * ms;
    if (buckets_.empty() && exact_.size() < kExactSamples) {
      exact_.push_back(ms);
    } else if (buckets_.empty()) {
      // Past the exact part: move its times into the histogram once and keep only the sketch.
      buckets_.assign(kBuckets, 0);
      for (double x : exact_) ++buckets_[bucket_of(x)];
      exact_.clear();
      exact_.shrink_to_fit();
    }
    if (!buckets_.empty()) ++buckets_[bucket_of(ms)];
  }

  std::size_t count() const { return static_cast<std::size_t>(count_); }

  // Bytes held besides the object itself: bounded whatever the number of times added.
  std::size_t footprint_bytes() const {
    return exact_.capacity() * sizeof(double) + buckets_.capacity() * sizeof(std::uint64_t);
  }

  // Nearest-rank percentile p (0 < p <= 100); 0 when nothing was added.
  double percentile(double p) const {
    if (count_ == 0) return 0;
    if (buckets_.empty()) {
      std::vector<double> sorted = exact_;
      std::sort(sorted.begin(), sorted.end());
      return nearest_rank(sorted, p);
    }
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    std::size_t i = 0;
    for (; i + 1 < buckets_.size(); ++i) {
      seen += buckets_[i];
      if (seen >= rank) break;
    }
    return std::clamp(value_of(i), min_, max_);
  }

  // Calls f(ms, n) for every time kept: the exact times one by one (n = 1), or past the exact
  // part each non-empty bucket's representative time with its count (within kRelativeError).
  template <typename F>
  void for_each(F&& f) const {
    if (buckets_.empty()) {
      for (double x : exact_) f(x, std::uint64_t{1});
      return;
    }
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      if (buckets_[i] != 0) f(std::clamp(value_of(i), min_, max_), buckets_[i]);
    }
  }

  std::optional<RttStats> stats() const {
    if (count_ == 0) return std::nullopt;
    RttStats r;
    double n = static_cast<double>(count_);
    r.min_ms = min_;
    r.max_ms = max_;
    r.avg_ms = sum_ / n;
    // ping's mdev: the population standard deviation, sqrt(mean(x^2) - mean(x)^2).
    r.mdev_ms = std::sqrt(std::max(0.0, sum_sq_ / n - r.avg_ms * r.avg_ms));
    r.p50_ms = percentile(50);
    r.p90_ms = percentile(90);
    r.p99_ms = percentile(99);
    return r;
  }

 private:
  // Bucket 0 holds the times under kMinMs (0 after rounding); bucket j + 1 holds
  // (kMinMs * gamma^(j-1), kMinMs * gamma^j] and stands for kMinMs * 2 * gamma^j / (gamma + 1).
  static std::size_t bucket_of(double ms) {
    if (ms < kMinMs) return 0;
    double i = std::ceil(std::log(ms / kMinMs) / kLogGamma);
    return std::clamp<std::size_t>(static_cast<std::size_t>(std::max(0.0, i)) + 1, 1, kBuckets - 1);
  }
  static double value_of(std::size_t bucket) {
    if (bucket == 0) return 0;
    return kMinMs * 2 * std::pow(kGamma, static_cast<double>(bucket - 1)) / (kGamma + 1);
  }

  std::uint64_t count_ = 0;
  double sum_ = 0, sum_sq_ = 0, min_ = 0, max_ = 0;
  std::vector<double> exact_;
  std::vector<std::uint64_t> buckets_;
};

inline PingStats ping_stats(std::size_t sent, const RttRecorder& rtts) {
  PingStats s;
  s.sent = sent;
  s.connected = rtts.count();
  s.failed = sent - std::min(sent, s.connected);
  s.loss_pct = sent == 0 ? 0.0 : 100.0 * static_cast<double>(s.failed) / static_cast<double>(sent);
  s.rtt = rtts.stats();
  return s;
}

// rtts_ms: the round-trip times of the connected probes.
inline PingStats compute_ping_stats(std::size_t sent, const std::vector<double>& rtts_ms) {
  RttRecorder r;
  for (double x : rtts_ms) r.add(x);
  return ping_stats(sent, r);
}

}  // namespace nbc::cli
