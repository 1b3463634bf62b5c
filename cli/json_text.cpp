// JSON strings and numbers, CSV fields, and UTF-8 repair, appended to a string (json_text.hpp).
#include "json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace nbc::cli {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Bytes a JSON string can carry as they are: printable ASCII other than `"` and `\`.
constexpr bool json_plain(unsigned char c) {
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void append_json_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\r':
      out += "\\r";
      return;
    default: {
      constexpr char kHex[] = "0123456789abcdef";
      char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
      out.append(u, sizeof u);
    }
  }
}

// Appends s[from, to) with its non-ASCII part checked: valid sequences copied, invalid subparts
// replaced. `special(c)` is true for the ASCII bytes that `ascii(out, c)` writes itself.
template <typename Special, typename Ascii>
void append_checked(std::string& out, std::string_view s, Special special, Ascii ascii) {
  std::size_t run = 0;  // start of the bytes not written yet, all copied as they are
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80 && !special(c)) {
      ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
    if (c < 0x80) {
      ascii(out, c);
      ++i;
    } else {
      int n = utf8_sequence(s.substr(i));
      if (n > 0) {
        out.append(s.data() + i, static_cast<std::size_t>(n));
      } else {
        out += kReplacement;
      }
      i += static_cast<std::size_t>(std::abs(n));
    }
    run = i;
  }
  out.append(s.data() + run, s.size() - run);
}

// nlohmann-json's layout of a double given as its shortest digits and the decimal exponent n
// (value = 0.DIGITS * 10^n): plain for -4 < n <= 15, else d.ddde+XX; always with a '.' or 'e'.
void append_layout(std::string& out, std::string_view digits, int n) {
  const int k = static_cast<int>(digits.size());
  if (k <= n && n <= 15) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
    out += ".0";
  } else if (0 < n && n <= 15) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-4 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    int e = n - 1;
    out += e < 0 ? "e-" : "e+";
    e = std::abs(e);
    if (e < 10) out += '0';
    out += fmt::format_int(e).c_str();
  }
}

}  // namespace

int utf8_sequence(std::string_view s) {
  const auto b = static_cast<unsigned char>(s[0]);
  if (b < 0x80) return 1;
  // The continuation bytes that may follow: the second one's range depends on the first byte
  // (no overlong forms, no surrogates, nothing above U+10FFFF), the others are 0x80-0xbf.
  int more = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) {
    more = 1;
  } else if (b == 0xe0) {
    more = 2;
    low = 0xa0;
  } else if (b == 0xed) {
    more = 2;
    high = 0x9f;
  } else if (b >= 0xe1 && b <= 0xef) {
    more = 2;
  } else if (b == 0xf0) {
    more = 3;
    low = 0x90;
  } else if (b == 0xf4) {
    more = 3;
    high = 0x8f;
  } else if (b >= 0xf1 && b <= 0xf3) {
    more = 3;
  } else {
    return -1;  // 0x80-0xc1, 0xf5-0xff never start a sequence
  }
  for (int k = 1; k <= more; ++k) {
    if (static_cast<std::size_t>(k) >= s.size()) return -k;
    const auto c = static_cast<unsigned char>(s[static_cast<std::size_t>(k)]);
    if (c < low || c > high) return -k;
    low = 0x80;
    high = 0xbf;
  }
  return more + 1;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_checked(
      out, s, [](unsigned char c) { return !json_plain(c); }, append_json_escape);
  out += '"';
}

void append_json_decimal3(std::string& out, double x) {
  const double k = std::round(x * 1000.0);
  if (!std::isfinite(k)) {
    out += "null";
    return;
  }
  if (std::fabs(k) < 1e15) {
    // k / 1000 is the nearest double to a decimal of at most three places whose shortest digits
    // are those places (below 1e12 doubles are far finer than 0.001): written from the integer.
    if (std::signbit(k)) out += '-';
    const auto thousandths = static_cast<std::uint64_t>(std::fabs(k));
    out += fmt::format_int(thousandths / 1000).c_str();
    out += '.';
    auto frac = static_cast<unsigned>(thousandths % 1000);
    char places[3] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                      static_cast<char>('0' + frac % 10)};
    std::size_t len = 3;
    while (len > 1 && places[len - 1] == '0') --len;
    out.append(places, len);
    return;
  }
  // Beyond 1e12 (a rtt of 31 years): the shortest digits of the double, in nlohmann's layout.
  const double v = k / 1000.0;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view text(buf, static_cast<std::size_t>(end - buf));  // "-1.2345e+15"
  if (!text.empty() && text[0] == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::string_view exp_text = text.substr(e + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  append_layout(out, digits, exponent + 1);
}

void append_csv_field(std::string& out, std::string_view s) {
  auto needs_quotes = [](unsigned char c) { return c < 0x20 || c == 0x7f || c == ',' || c == '"'; };
  bool quote =
      !s.empty() && (s.front() == ' ' || s.front() == '\t' || s.back() == ' ' || s.back() == '\t');
  for (std::size_t i = 0; i < s.size() && !quote; ++i) {
    quote = needs_quotes(static_cast<unsigned char>(s[i]));
  }
  if (!quote) {
    append_checked(
        out, s, [](unsigned char) { return false; }, [](std::string&, unsigned char) {});
    return;
  }
  out += '"';
  append_checked(
      out, s, [](unsigned char c) { return c == '"'; },
      [](std::string& o, unsigned char) { o += "\"\""; });
  out += '"';
}

std::string utf8_replaced(std::string_view s) {
  std::string out;
  append_checked(
      out, s, [](unsigned char) { return false; }, [](std::string&, unsigned char) {});
  return out;
}

}  // namespace nbc::cli
