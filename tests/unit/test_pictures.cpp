// The terminal pictures (cli/pictures.hpp): bar widths in cells, the sparkline's levels, the
// latency histogram's buckets and percentile marks, the state bar's shares.
#include <gtest/gtest.h>

#include <string>

#include "pictures.hpp"

namespace nbc::cli {
namespace {

const Glyphs kUnicode{true, false};
const Glyphs kAscii{false, false};

// Display cells of UTF-8 text without escape sequences: one per code point.
std::size_t cells_of(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size()))
    ++n;
  return n;
}

TEST(PicturesBar, IsAlwaysExactlyItsWidthInEighths) {
  for (double f : {0.0, 0.01, 0.0625, 0.5, 0.99, 1.0, 1.7, -3.0}) {
    EXPECT_EQ(cells_of(bar(f, 20, kUnicode)), 20u) << f;
    EXPECT_EQ(bar(f, 20, kAscii).size(), 20u) << f;
  }
  EXPECT_EQ(bar(0.5, 4, kUnicode), "██  ");
  EXPECT_EQ(bar(1.0 / 16, 2, kUnicode), "▏ ");  // one eighth of one of two cells
  EXPECT_EQ(bar(0.5, 4, kAscii), "##  ");
  EXPECT_EQ(bar(1.0, 3, kAscii), "###");
}

TEST(PicturesSparkline, ScalesToTheLargestValue) {
  std::vector<double> v = {0, 1, 2, 4, 8};
  EXPECT_EQ(sparkline(v, kUnicode), "▁▂▃▅█");
  EXPECT_EQ(sparkline(v, kAscii), "_..-#");
  EXPECT_EQ(sparkline(std::vector<double>{}, kUnicode), "");
  EXPECT_EQ(sparkline(std::vector<double>{0, 0}, kUnicode), "▁▁");
}

TEST(PicturesLatencyBar, IsLogarithmicFromTenMicrosecondsToTheTimeout) {
  EXPECT_EQ(latency_bar(0.005, 1000, 10, kAscii), "          ");
  EXPECT_EQ(latency_bar(1000, 1000, 10, kAscii), "##########");
  // 1 ms is two decades of the five from 10 us to 1 s.
  EXPECT_EQ(latency_bar(1, 1000, 10, kAscii), "####      ");
}

TEST(PicturesShortTime, WritesThreeSignificantDigitsWithTheUnit) {
  EXPECT_EQ(short_time(0.0412), "41.2us");
  EXPECT_EQ(short_time(0.5), "500us");
  EXPECT_EQ(short_time(1.25), "1.25ms");
  EXPECT_EQ(short_time(2.0), "2ms");
  EXPECT_EQ(short_time(1500), "1.5s");
}

TEST(PicturesHistogram, CountsEveryProbeAndMarksThePercentiles) {
  RttRecorder r;
  // 90 fast probes, 9 slower, 1 slow: p50 and p90 in the first bucket, p99 elsewhere.
  for (int i = 0; i < 90; ++i) r.add(0.05);
  for (int i = 0; i < 9; ++i) r.add(0.5);
  r.add(5.0);
  RttStats s = *r.stats();
  auto lines = latency_histogram(r, s, kAscii, 10, 20);
  ASSERT_EQ(lines.size(), 11u);
  EXPECT_NE(lines[0].find("100 connected"), std::string::npos) << lines[0];
  std::uint64_t total = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    // "  50us-79.4us |####...| 90  <- p50 p90"
    std::string after = lines[i].substr(lines[i].rfind('|') + 1);
    total += std::stoull(after);
  }
  EXPECT_EQ(total, 100u);
  EXPECT_NE(lines[1].find("<- p50 p90"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(std::string(20, '#')), std::string::npos) << lines[1];
  std::size_t p99_rows = 0;
  for (const auto& l : lines) p99_rows += count_of(l, "p99");
  EXPECT_EQ(p99_rows, 1u);
  EXPECT_NE(lines[1].find("50us"), std::string::npos) << lines[1];
  EXPECT_NE(lines.back().find("5ms"), std::string::npos) << lines.back();
}

TEST(PicturesHistogram, PastTheExactSamplesUsesTheSketch) {
  RttRecorder r;
  for (int i = 0; i < 5000; ++i) r.add(i % 2 ? 0.1 : 1.0);
  auto lines = latency_histogram(r, *r.stats(), kUnicode, 4, 10);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_NE(lines[1].find("2500"), std::string::npos) << lines[1];
  EXPECT_NE(lines[4].find("2500"), std::string::npos) << lines[4];
  EXPECT_NE(lines[1].find("◀ p50"), std::string::npos) << lines[1];
}

TEST(PicturesHistogram, OneBucketWhenAllTimesAreAlikeAndNoneWhenEmpty) {
  RttRecorder r;
  EXPECT_TRUE(latency_histogram(r, RttStats{}, kUnicode).empty());
  for (int i = 0; i < 3; ++i) r.add(0.2);
  auto lines = latency_histogram(r, *r.stats(), kAscii);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("<- p50 p90 p99"), std::string::npos) << lines[1];
}

TEST(PicturesStateBar, GivesEveryStateThatOccurredAtLeastOneCell) {
  std::array<std::uint64_t, kStateCount> counts{};
  counts[static_cast<std::size_t>(State::open)] = 3;
  counts[static_cast<std::size_t>(State::closed)] = 65530;
  counts[static_cast<std::size_t>(State::filtered)] = 2;
  std::string b = state_bar(counts, 40, kAscii);
  EXPECT_EQ(b, "#=" + std::string(38, '.'));
  std::string u = state_bar(counts, 40, kUnicode);
  EXPECT_EQ(cells_of(u), 40u);
  EXPECT_EQ(count_of(u, "█"), 1u);
  counts = {};
  counts[static_cast<std::size_t>(State::open)] = 1;
  counts[static_cast<std::size_t>(State::closed)] = 1;
  EXPECT_EQ(state_bar(counts, 10, kAscii), "#####.....");
  EXPECT_EQ(state_bar({}, 5, kAscii), "     ");
}

TEST(PicturesStateBar, ColoursOnlyWhenAsked) {
  std::array<std::uint64_t, kStateCount> counts{};
  counts[static_cast<std::size_t>(State::open)] = 1;
  EXPECT_EQ(state_bar(counts, 2, Glyphs{false, true}), "\x1b[32m##\x1b[0m");
  std::array<std::uint64_t, kStateCount> all{1, 1, 1, 1, 0, 1};
  EXPECT_EQ(state_legend(all, kAscii), "# open  % open|filtered  = filtered  ! error  . closed");
  EXPECT_EQ(state_legend(counts, kAscii), "# open");
  EXPECT_EQ(state_counts_text(all), "1 open, 1 open|filtered, 1 filtered, 1 error, 1 closed");
  EXPECT_EQ(state_counts_text(counts), "1 open");
}

}  // namespace
}  // namespace nbc::cli
