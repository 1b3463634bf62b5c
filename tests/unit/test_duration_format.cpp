// Durations printed as people write them ("1s", "250ms", "1.5s", "2m"), and read back by
// parse_duration() to the very same value.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

#include "nbconnect/endpoint.hpp"

using namespace std::chrono_literals;

namespace {

TEST(DurationFormat, AsPeopleWriteThem) {
  EXPECT_EQ(nbc::format_duration(1s), "1s");
  EXPECT_EQ(nbc::format_duration(250ms), "250ms");
  EXPECT_EQ(nbc::format_duration(1500ms), "1.5s");
  EXPECT_EQ(nbc::format_duration(2min), "2m");
  EXPECT_EQ(nbc::format_duration(90s), "90s");
  EXPECT_EQ(nbc::format_duration(1h), "1h");
  EXPECT_EQ(nbc::format_duration(24h), "24h");
  EXPECT_EQ(nbc::format_duration(90min), "90m");
  EXPECT_EQ(nbc::format_duration(500us), "500us");
  EXPECT_EQ(nbc::format_duration(1ns), "0.001us");
  EXPECT_EQ(nbc::format_duration(1250us), "1.25ms");
  EXPECT_EQ(nbc::format_duration(1s + 1ns), "1.000000001s");
  EXPECT_EQ(nbc::format_duration(0ns), "0s");
  EXPECT_EQ(nbc::format_duration(-5s), "0s");
}

void expect_round_trip(std::chrono::nanoseconds d) {
  std::string text = nbc::format_duration(d);
  auto back = nbc::parse_duration(text);
  ASSERT_TRUE(back.has_value()) << d.count() << "ns -> " << text << ": " << back.error().message;
  EXPECT_EQ(back->count(), d.count()) << text;
}

TEST(DurationFormat, EveryResultParsesBackToTheSameValue) {
  for (std::int64_t ns :
       {1LL, 999LL, 1'000LL, 1'001LL, 999'999LL, 1'000'000LL, 999'999'999LL, 1'000'000'000LL,
        59'999'999'999LL, 60'000'000'000LL, 86'400'000'000'000LL, 86'399'999'999'999LL}) {
    expect_round_trip(std::chrono::nanoseconds(ns));
  }
  // Values spread over every scale from 1ns to 24h (fixed seed: the same values every run).
  std::mt19937_64 rng(14);
  for (int i = 0; i < 20000; ++i) {
    int digits = static_cast<int>(rng() % 14);  // 1ns .. 1e13ns (about 2.8h)
    std::int64_t scale = 1;
    for (int k = 0; k < digits; ++k) scale *= 10;
    std::int64_t ns = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(scale));
    // Round to a unit half of the time, so that whole ms, s and minutes are drawn often.
    if (i % 2 == 0)
      ns = std::max<std::int64_t>(scale / 10, 1) * (ns / std::max<std::int64_t>(scale / 10, 1) + 1);
    if (ns > 86'400'000'000'000LL) continue;
    expect_round_trip(std::chrono::nanoseconds(ns));
  }
}

}  // namespace
