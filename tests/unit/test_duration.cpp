// Strict duration parsing: "250ms", "1.5s", "2m", "1h", "500us" or a bare number of seconds.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "nbconnect/endpoint.hpp"

using namespace std::chrono_literals;
using namespace std::string_view_literals;

namespace {

// The word as messages quote it: control bytes escaped as \xHH.
std::string duration_quoted(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::chrono::nanoseconds parsed(std::string_view text) {
  auto d = nbc::parse_duration(text);
  EXPECT_TRUE(d) << text << ": " << (d ? "" : d.error().message);
  return d ? *d : std::chrono::nanoseconds(-1);
}

// Asserts a one-line error that quotes the word and contains `reason`.
void expect_error(std::string_view text, std::string_view reason) {
  auto d = nbc::parse_duration(text);
  ASSERT_FALSE(d) << "'" << text << "' was accepted as " << d->count() << "ns";
  const std::string& message = d.error().message;
  EXPECT_EQ(d.error().word, text);
  EXPECT_NE(message.find("invalid duration " + duration_quoted(text)), std::string::npos)
      << message;
  EXPECT_NE(message.find(reason), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

}  // namespace

TEST(ParseDuration, Units) {
  EXPECT_EQ(parsed("500us"), 500us);
  EXPECT_EQ(parsed("250ms"), 250ms);
  EXPECT_EQ(parsed("2s"), 2s);
  EXPECT_EQ(parsed("2m"), 2min);
  EXPECT_EQ(parsed("1h"), 1h);
}

TEST(ParseDuration, BareNumberIsSeconds) {
  EXPECT_EQ(parsed("5"), 5s);
  EXPECT_EQ(parsed("1.5"), 1500ms);
  EXPECT_EQ(parsed("86400"), 24h);
}

TEST(ParseDuration, FractionsAreExact) {
  EXPECT_EQ(parsed("1.5s"), 1500ms);
  EXPECT_EQ(parsed("0.1s"), 100ms);
  EXPECT_EQ(parsed("0.3"), 300ms);
  EXPECT_EQ(parsed("0.001s"), 1ms);
  EXPECT_EQ(parsed("0.000000001s"), 1ns);
  EXPECT_EQ(parsed("1.5ms"), 1500us);
  EXPECT_EQ(parsed("0.5us"), 500ns);
  EXPECT_EQ(parsed("0.123456789us"), 123ns);  // Truncated to whole nanoseconds.
  EXPECT_EQ(parsed("1.5m"), 90s);
  EXPECT_EQ(parsed("0.1h"), 6min);
  EXPECT_EQ(parsed("0.999999999h"), 3599999996400ns);
  EXPECT_EQ(parsed("2.250s"), 2250ms);
}

TEST(ParseDuration, LeadingPointAndZerosAccepted) {
  EXPECT_EQ(parsed(".5"), 500ms);
  EXPECT_EQ(parsed(".25s"), 250ms);
  EXPECT_EQ(parsed("05s"), 5s);
  EXPECT_EQ(parsed("0.5"), 500ms);
}

TEST(ParseDuration, UpperBoundIs24Hours) {
  EXPECT_EQ(parsed("24h"), 24h);
  EXPECT_EQ(parsed("1440m"), 24h);
  EXPECT_EQ(parsed("86400000ms"), 24h);
  expect_error("25h", "at most 24h");
  expect_error("24.000000001h", "at most 24h");
  expect_error("86401", "at most 24h");
  expect_error("86400.000000001", "at most 24h");
  expect_error("99999999999999999999", "at most 24h");
  expect_error("99999999999999999999999999999999999999h", "at most 24h");
  expect_error("18446744073709551616us", "at most 24h");
}

TEST(ParseDuration, MustBePositive) {
  expect_error("0", "greater than 0");
  expect_error("0s", "greater than 0");
  expect_error("0.000ms", "greater than 0");
  expect_error("0.0000001ms", "shorter than 1ns");
  expect_error("-5s", "must be positive");
  expect_error("-0", "must be positive");
  expect_error("+5s", "sign not allowed");
}

TEST(ParseDuration, UnknownUnits) {
  EXPECT_EQ(nbc::parse_duration("5x").error().message,
            "invalid duration '5x': unknown unit 'x' (use ms, s, m, h or a bare number of "
            "seconds)");
  expect_error("5sec", "unknown unit 'sec'");
  expect_error("5S", "unknown unit 'S'");
  expect_error("5min", "unknown unit 'min'");
  expect_error("5ns", "unknown unit 'ns'");
  expect_error("1h30m", "unknown unit 'h30m'");
  expect_error("5µs", "unknown unit 'µs'");
}

TEST(ParseDuration, RejectsMalformedNumbers) {
  expect_error("", "empty");
  expect_error("s", "not a number");
  expect_error("ms", "not a number");
  expect_error(".", "not a number");
  expect_error("5.", "missing digits after '.'");
  expect_error("5.s", "missing digits after '.'");
  expect_error("1.2.3", "more than one '.'");
  expect_error("1.0000000001", "more than 9 digits");
  expect_error("1e3", "exponents");
  expect_error("1E-3s", "exponents");
  expect_error("inf", "not a number");
  expect_error("nan", "not a number");
  expect_error("infinity", "not a number");
  expect_error("0x10", "unknown unit 'x10'");
  expect_error("1,5s", "unknown unit ',5s'");
  expect_error("٥s", "not a number");
}

TEST(ParseDuration, RejectsWhitespace) {
  expect_error(" 5s", "whitespace");
  expect_error("5s ", "whitespace");
  expect_error("5 s", "whitespace");
  expect_error("5\ts", "whitespace");
}

TEST(ParseDuration, EmbeddedNulIsEscapedInTheMessage) {
  auto d = nbc::parse_duration("5s\0junk"sv);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().word, "5s\0junk"sv);
  EXPECT_NE(d.error().message.find("'5s\\x00junk'"), std::string::npos) << d.error().message;
  EXPECT_NE(d.error().message.find("unknown unit 's\\x00junk'"), std::string::npos)
      << d.error().message;
}

TEST(ParseDuration, VeryLongInputIsRejectedWithAShortMessage) {
  const std::string digits(100000, '9');
  auto d = nbc::parse_duration(digits);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().word, digits);
  EXPECT_LT(d.error().message.size(), 600u);
  EXPECT_NE(d.error().message.find("at most 24h"), std::string::npos);
  const std::string fraction = "1." + std::string(100000, '0');
  EXPECT_FALSE(nbc::parse_duration(fraction));
}

TEST(ToMs, ConvertsNanoseconds) {
  EXPECT_DOUBLE_EQ(nbc::to_ms(1500us), 1.5);
  EXPECT_DOUBLE_EQ(nbc::to_ms(81us), 0.081);
}
