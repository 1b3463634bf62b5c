// JSON and CSV text appended to a std::string without building a document: strings escaped byte
// by byte (invalid UTF-8 replaced by U+FFFD), numbers laid out as nlohmann-json lays them out, and
// a small object writer. The record writer (record_writer.hpp) is built on it.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace nbc::cli {

// The length of the well-formed UTF-8 sequence at the start of `s` (1-4), or minus the length of
// the maximal invalid subpart there (Unicode's "U+FFFD substitution of maximal subparts"), which
// stands for one U+FFFD. Overlong forms, surrogates and code points above U+10FFFF are invalid.
// `s` must not be empty.
int utf8_sequence(std::string_view s);

// `s` as a JSON string with its quotes: `"` and `\` escaped, the control characters 0x00-0x1f as
// \b \t \n \f \r or \u00xx, and DEL (0x7f) as \u007f; valid UTF-8 copied as it is, each maximal
// invalid subpart replaced by U+FFFD (as nlohmann-json's dump with error_handler_t::replace does).
void append_json_string(std::string& out, std::string_view s);

// The number round(x * 1000) / 1000 as nlohmann-json writes that double: "0.081", "12.0",
// "-0.0"; "null" when it is not finite. Below 1e12 the digits are nlohmann's exactly; beyond
// (where doubles are about 0.001 apart) they are the shortest digits closest to the double, which
// nlohmann's Grisu2 does not always pick: the same value, in nlohmann's layout ("1e+15").
void append_json_decimal3(std::string& out, double x);

// `s` as a CSV field (RFC 4180): quoted when it holds a comma, a quote, CR, LF, any other
// control character (0x00-0x1f, 0x7f), or starts or ends with a space or tab (which some readers
// trim), with quotes doubled; invalid UTF-8 replaced by U+FFFD as in JSON, so both formats carry
// the same text.
void append_csv_field(std::string& out, std::string_view s);

// s with each maximal invalid UTF-8 subpart replaced by U+FFFD (what both writers carry).
std::string utf8_replaced(std::string_view s);

// One JSON object written field by field: {"key":value,...}. Keys are the writer's own (plain
// ASCII, written as they are); string values are escaped.
class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  JsonObject(const JsonObject&) = delete;
  JsonObject& operator=(const JsonObject&) = delete;

  JsonObject& string(std::string_view key, std::string_view value) {
    append_json_string(begin(key), value);
    return *this;
  }
  // The string, or null when it is empty.
  JsonObject& string_or_null(std::string_view key, std::string_view value) {
    if (value.empty()) return null(key);
    return string(key, value);
  }
  template <std::integral T>
  JsonObject& number(std::string_view key, T value) {
    begin(key) += fmt::format_int(value).c_str();
    return *this;
  }
  JsonObject& decimal3(std::string_view key, double value) {
    append_json_decimal3(begin(key), value);
    return *this;
  }
  JsonObject& null(std::string_view key) {
    begin(key) += "null";
    return *this;
  }
  JsonObject& boolean(std::string_view key, bool value) {
    begin(key) += value ? "true" : "false";
    return *this;
  }
  // Writes the key; the caller appends the value (an array, a nested object) to the result.
  std::string& begin(std::string_view key) {
    out_ += first_ ? "\"" : ",\"";
    first_ = false;
    out_ += key;
    out_ += "\":";
    return out_;
  }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace nbc::cli
