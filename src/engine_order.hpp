// The order of the probes: serial, or a keyed pseudo-random permutation computed on demand, so
// that no list of the probes is ever built (65,535 ports on 65,536 hosts is 4 billion of them).
#pragma once

#include <cstdint>

namespace nbc::detail {

class ProbeOrder {
 public:
  ProbeOrder() = default;
  ProbeOrder(std::uint64_t size, bool random, std::uint64_t seed);

  std::uint64_t size() const { return size_; }
  // The probe index at position `position` (< size()); a bijection of [0, size()).
  std::uint64_t at(std::uint64_t position) const {
    if (!random_) return position;
    // Cycle walking: the Feistel network permutes [0, 2^bits); stepping again until the value
    // falls inside [0, size) restricts it to a permutation of that range.
    std::uint64_t x = position;
    do x = feistel(x);
    while (x >= size_);
    return x;
  }

 private:
  std::uint64_t feistel(std::uint64_t x) const;

  std::uint64_t size_ = 0;
  bool random_ = false;
  unsigned half_bits_ = 1;
  std::uint64_t half_mask_ = 1;
  std::uint64_t keys_[4] = {};
};

}  // namespace nbc::detail
