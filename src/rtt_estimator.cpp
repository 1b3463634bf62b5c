// Per-host round-trip estimation (rtt_estimator.hpp).
#include "rtt_estimator.hpp"

#include <algorithm>
#include <cmath>

namespace nbc::detail {

RttBounds RttBounds::normalised() const {
  RttBounds b = *this;
  b.initial = std::max(b.initial, std::chrono::nanoseconds(1));
  b.max = std::max({b.max, b.initial, std::chrono::nanoseconds(1)});
  b.min = std::clamp(b.min, std::chrono::nanoseconds(0), b.max);
  return b;
}

void RttEstimator::sample(std::chrono::nanoseconds rtt, unsigned run) {
  // Microseconds in a float: 24 bits of mantissa are plenty for any round trip worth a timeout.
  float r = static_cast<float>(std::max<std::int64_t>(rtt.count(), 0)) / 1000.0f;
  if (samples_ == 0) {
    // RFC 6298 (2.2): the first measurement.
    srtt_us_ = r;
    rttvar_us_ = r / 2;
  } else {
    // RFC 6298 (2.3): RTTVAR first, from the old SRTT.
    rttvar_us_ = 0.75f * rttvar_us_ + 0.25f * std::fabs(srtt_us_ - r);
    srtt_us_ = 0.875f * srtt_us_ + 0.125f * r;
  }
  if (samples_ < 255) ++samples_;
  best_run_ = static_cast<std::uint8_t>(std::clamp<unsigned>(run, best_run_, 255));
}

std::chrono::nanoseconds RttEstimator::base(const RttBounds& bounds) const {
  if (samples_ == 0) return bounds.initial;
  double margin_ns = std::max(4.0 * rttvar_us_ * 1000.0, double(kRttGranularity.count()));
  double ns = std::min(srtt_us_ * 1000.0 + margin_ns, double(bounds.max.count()));
  return std::clamp(std::chrono::nanoseconds(static_cast<std::int64_t>(ns)), bounds.min,
                    bounds.max);
}

std::chrono::nanoseconds RttEstimator::backed_off(std::chrono::nanoseconds base,
                                                  const RttBounds& bounds, unsigned run) {
  // Each earlier attempt without an answer doubles the timeout.
  const std::chrono::nanoseconds cap = std::max(bounds.max, bounds.initial);
  for (unsigned r = 1; r < run && base < cap; ++r) base *= 2;
  return std::min(base, cap);
}

HostRtts::HostRtts(std::uint32_t hosts) : use_dense_(hosts <= kDenseHosts) {
  if (use_dense_) dense_.resize(hosts);
}

const RttEstimator& HostRtts::get(std::uint32_t host) const {
  static const RttEstimator kNone;
  if (use_dense_) return host < dense_.size() ? dense_[host] : kNone;
  auto it = sparse_.find(host);
  return it == sparse_.end() ? kNone : it->second;
}

void HostRtts::sample(std::uint32_t host, std::chrono::nanoseconds rtt, unsigned run) {
  if (use_dense_) {
    if (host >= dense_.size()) dense_.resize(host + 1);
    dense_[host].sample(rtt, run);
  } else {
    sparse_[host].sample(rtt, run);
  }
}

}  // namespace nbc::detail
