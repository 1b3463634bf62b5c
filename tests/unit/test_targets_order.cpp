// The scan order: a reproducible permutation of the probes, and shards that partition them.
#include <gtest/gtest.h>

#include <vector>

#include "engine_order.hpp"

namespace nbc::detail {
namespace {

TEST(ProbeOrder, RandomOrderIsAPermutation) {
  for (std::uint64_t size : {1ull, 2ull, 3ull, 17ull, 1000ull, 65535ull, 65536ull, 100003ull}) {
    ProbeOrder order(size, true, 42);
    std::vector<bool> seen(size, false);
    for (std::uint64_t i = 0; i < size; ++i) {
      std::uint64_t v = order.at(i);
      ASSERT_LT(v, size);
      ASSERT_FALSE(seen[v]) << "size " << size << " repeats " << v;
      seen[v] = true;
    }
  }
}

TEST(ProbeOrder, SeedReproducesAndChangesTheOrder) {
  ProbeOrder a(65535, true, 7), b(65535, true, 7), c(65535, true, 8);
  int same = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(a.at(i), b.at(i));
    same += a.at(i) == c.at(i);
  }
  EXPECT_LT(same, 10);
  // Not the serial order either.
  int in_place = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) in_place += a.at(i) == i;
  EXPECT_LT(in_place, 10);
}

TEST(ProbeOrder, SerialIsTheIdentity) {
  ProbeOrder order(100, false, 3);
  for (std::uint64_t i = 0; i < 100; ++i) EXPECT_EQ(order.at(i), i);
}

}  // namespace
}  // namespace nbc::detail
