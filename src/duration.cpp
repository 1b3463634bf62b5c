// Durations: parsing and formatting (declared in nbconnect/endpoint.hpp).
//
// A duration is a decimal number, then an optional unit us, ms, s, m or h (none = seconds). The
// number is digits with an optional fraction: "1.5", "0.5" and ".5" are accepted, "5." is not, and
// at most 9 fraction digits are allowed. Leading zeros are harmless there and accepted ("05s").
// Integer and fraction are converted separately into whole nanoseconds (truncated), so "0.1s" is
// exactly 100ms. The result must be > 0 and at most 24h. Bad input is a ParseError naming the word.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <utility>

#include "nbconnect/endpoint.hpp"

namespace nbc {
namespace {

using std::string_view_literals::operator""sv;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::unexpected<ParseError> bad_duration(std::string_view text, const std::string& reason) {
  return std::unexpected(
      ParseError{std::string(text), "invalid duration " + quote(text) + ": " + reason});
}

}  // namespace

Parsed<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  auto bad = [&](const std::string& reason) { return bad_duration(text, reason); };
  constexpr std::string_view kUnits = " (use ms, s, m, h or a bare number of seconds)";
  constexpr std::uint64_t kMax = 24ull * 3600 * 1'000'000'000;  // 24h in nanoseconds.
  if (text.empty()) return bad("empty (write e.g. 250ms, 1.5s, 2m or a number of seconds)");
  if (std::ranges::any_of(text, [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }))
    return bad("contains whitespace");
  if (text[0] == '-') return bad("must be positive");
  if (text[0] == '+') return bad("sign not allowed");

  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  const std::string_view whole_digits = text.substr(0, i);
  std::string_view frac_digits;
  bool point = false;
  if (i < text.size() && text[i] == '.') {
    point = true;
    const std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    frac_digits = text.substr(start, i - start);
  }
  if (whole_digits.empty() && frac_digits.empty()) {
    return bad("not a number (write e.g. 250ms, 1.5s, 2m or a number of seconds)");
  }
  if (point && frac_digits.empty()) return bad("missing digits after '.'");
  if (frac_digits.size() > 9) return bad("more than 9 digits after '.'");

  const std::string_view unit = text.substr(i);
  std::uint64_t unit_ns = 0;
  if (unit.empty() || unit == "s"sv) {
    unit_ns = 1'000'000'000;
  } else if (unit == "us"sv) {
    unit_ns = 1'000;
  } else if (unit == "ms"sv) {
    unit_ns = 1'000'000;
  } else if (unit == "m"sv) {
    unit_ns = 60'000'000'000;
  } else if (unit == "h"sv) {
    unit_ns = 3'600'000'000'000;
  } else if ((unit[0] == 'e' || unit[0] == 'E') && unit.size() > 1 &&
             (is_digit(unit[1]) || unit[1] == '+' || unit[1] == '-')) {
    return bad("exponents are not accepted");
  } else if (unit[0] == '.') {
    return bad("more than one '.'");
  } else {
    return bad("unknown unit " + quote(unit) + std::string(kUnits));
  }

  std::uint64_t whole = 0;
  if (!whole_digits.empty()) {
    const auto [end, ec] =
        std::from_chars(whole_digits.data(), whole_digits.data() + whole_digits.size(), whole);
    if (ec != std::errc{} || whole > kMax / unit_ns) return bad("too long (at most 24h)");
  }
  std::uint64_t total = whole * unit_ns;

  std::uint64_t frac = 0;
  if (!frac_digits.empty()) {
    std::from_chars(frac_digits.data(), frac_digits.data() + frac_digits.size(), frac);
    std::uint64_t scale = 1;
    for (std::size_t k = 0; k < frac_digits.size(); ++k) scale *= 10;
    // frac < scale <= 1e9: when unit_ns divides evenly the product stays below unit_ns (<= 3.6e12),
    // otherwise unit_ns <= 1e6 and frac * unit_ns < 1e15; neither overflows.
    total += unit_ns % scale == 0 ? frac * (unit_ns / scale) : frac * unit_ns / scale;
  }
  if (total > kMax) return bad("too long (at most 24h)");
  if (total == 0) {
    return bad(frac == 0 ? "must be greater than 0" : "shorter than 1ns, the finest resolution");
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

std::string format_duration(std::chrono::nanoseconds d) {
  constexpr std::int64_t kUs = 1'000, kMs = 1'000'000, kS = 1'000'000'000;
  constexpr std::int64_t kM = 60 * kS, kH = 60 * kM;
  const std::int64_t ns = d.count();
  if (ns <= 0) return "0s";
  // Whole hours and minutes only: "1.5h" would be read back exactly, but "90m" is how it is said.
  if (ns % kH == 0) return std::to_string(ns / kH) + "h";
  if (ns % kM == 0) return std::to_string(ns / kM) + "m";
  // Otherwise seconds, milliseconds or microseconds with the fraction that is needed, no more.
  const auto [unit, name] = ns >= kS    ? std::pair{kS, "s"}
                            : ns >= kMs ? std::pair{kMs, "ms"}
                                        : std::pair{kUs, "us"};
  std::string text = std::to_string(ns / unit);
  if (std::int64_t rest = ns % unit; rest != 0) {
    std::string frac = std::to_string(rest);
    std::size_t digits = std::to_string(unit).size() - 1;  // 9, 6 or 3
    frac.insert(0, digits - frac.size(), '0');
    frac.erase(frac.find_last_not_of('0') + 1);
    text += "." + frac;
  }
  return text + name;
}

}  // namespace nbc
