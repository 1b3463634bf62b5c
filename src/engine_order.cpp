// The probes' order (engine_order.hpp): a keyed Feistel permutation, walked lazily.
#include "engine_order.hpp"

namespace nbc::detail {
namespace {

std::uint64_t mix(std::uint64_t x) {
  // splitmix64's finaliser: every input bit reaches every output bit.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

ProbeOrder::ProbeOrder(std::uint64_t size, bool random, std::uint64_t seed)
    : size_(size), random_(random && size > 1) {
  // The smallest even number of bits whose range holds size: at most 4x too large, so cycle
  // walking takes fewer than four steps on average.
  unsigned bits = 2;
  while (bits < 64 && (std::uint64_t{1} << bits) < size) bits += 2;
  half_bits_ = bits / 2;
  half_mask_ = (std::uint64_t{1} << half_bits_) - 1;
  std::uint64_t k = seed;
  for (auto& key : keys_) key = mix(k += 0x9e3779b97f4a7c15ULL);
}

std::uint64_t ProbeOrder::feistel(std::uint64_t x) const {
  std::uint64_t left = x >> half_bits_;
  std::uint64_t right = x & half_mask_;
  for (std::uint64_t key : keys_) {
    std::uint64_t next = left ^ (mix(right ^ key) & half_mask_);
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

}  // namespace nbc::detail
