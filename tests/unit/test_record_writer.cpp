// The record writer (cli/record_writer.hpp, cli/json_text.hpp): JSON escaping of every byte,
// U+FFFD for each maximal invalid UTF-8 subpart, numbers as nlohmann-json writes them, records
// byte for byte equal to nlohmann-json's, and RFC 4180 CSV.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <random>
#include <string>

#include "json_text.hpp"
#include "record_writer.hpp"

namespace nbc::cli {
namespace {

using Json = nlohmann::ordered_json;
const std::string kFffd = "\xEF\xBF\xBD";

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string nlohmann_string(std::string_view s) {
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string decimal3(double x) {
  std::string out;
  append_json_decimal3(out, x);
  return out;
}

std::string csv_field(std::string_view s) {
  std::string out;
  append_csv_field(out, s);
  return out;
}

TEST(RecordWriter, QuotesAndBackslashesAreEscaped) {
  EXPECT_EQ(json_string(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(json_string(""), R"("")");
  EXPECT_EQ(json_string("\"\"\\\\"), R"("\"\"\\\\")");
  EXPECT_EQ(json_string("/"), R"("/")");  // a solidus needs no escape
}

TEST(RecordWriter, EveryControlByteIsEscaped) {
  for (int c = 0; c < 0x20; ++c) {
    std::string s(1, static_cast<char>(c));
    std::string out = json_string(s);
    // The same escape nlohmann-json writes (short forms for \b \t \n \f \r, else \u00xx).
    EXPECT_EQ(out, nlohmann_string(s)) << "byte " << c;
    EXPECT_EQ(out[1], '\\') << "byte " << c;
    EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), s) << "byte " << c;
  }
  EXPECT_EQ(json_string("\x1f"), R"("\u001f")");
  EXPECT_EQ(json_string(std::string("a\0b", 3)), R"("a\u0000b")");
  // DEL too: nlohmann-json copies it, this writer keeps it off terminals.
  EXPECT_EQ(json_string("\x7f"), R"("\u007f")");
  EXPECT_EQ(nlohmann::json::parse(json_string("\x7f")).get<std::string>(), "\x7f");
}

TEST(RecordWriter, ValidUtf8IsCopied) {
  for (std::string s : {"caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
                        "\xEF\xBF\xBD", "\xC2\x80", "\xED\x9F\xBF", "\xEE\x80\x80"}) {
    EXPECT_EQ(json_string(s), '"' + s + '"');
    EXPECT_EQ(utf8_replaced(s), s);
  }
}

TEST(RecordWriter, InvalidUtf8BecomesOneReplacementPerMaximalSubpart) {
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"\x80", kFffd},                                      // a lone continuation byte
      {"\xBF\x80", kFffd + kFffd},                          // two of them
      {"\xC0\xAF", kFffd + kFffd},                          // overlong '/' (C0 never starts one)
      {"\xC1\xBF", kFffd + kFffd},                          // overlong
      {"\xE0\x80\xAF", kFffd + kFffd + kFffd},              // overlong 3-byte '/'
      {"\xF0\x80\x80\xAF", kFffd + kFffd + kFffd + kFffd},  // overlong 4-byte '/'
      {"\xED\xA0\x80", kFffd + kFffd + kFffd},              // a high surrogate
      {"\xED\xBF\xBF", kFffd + kFffd + kFffd},              // a low surrogate
      {"\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},  // above U+10FFFF
      {"\xF5\x80", kFffd + kFffd},                          // F5-FF never start one
      {"\xFF", kFffd},
      {"\xC3", kFffd},                               // truncated at the end
      {"\xE2\x82", kFffd},                           // truncated, one subpart
      {"\xF0\x9F\x98", kFffd},                       // truncated, one subpart
      {"a\xE2\x82z", "a" + kFffd + "z"},             // truncated in the middle
      {"\xF0\x9F\x98\xC3\xA9", kFffd + "\xC3\xA9"},  // the next character survives
      {"\xE2\x28\xA1", kFffd + "(" + kFffd},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(utf8_replaced(c.in), c.out) << testing::PrintToString(c.in);
    EXPECT_EQ(json_string(c.in), '"' + c.out + '"') << testing::PrintToString(c.in);
    // The same replacement nlohmann-json makes.
    EXPECT_EQ(json_string(c.in), nlohmann_string(c.in)) << testing::PrintToString(c.in);
  }
}

TEST(RecordWriter, EveryTwoByteStringMatchesNlohmann) {
  // All 65,536 two-byte strings (DEL aside, which this writer escapes): the same text as
  // nlohmann-json's dump with error_handler_t::replace.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      if (a == 0x7f || b == 0x7f) continue;
      std::string s{static_cast<char>(a), static_cast<char>(b)};
      ASSERT_EQ(json_string(s), nlohmann_string(s)) << a << " " << b;
    }
  }
}

TEST(RecordWriter, DecimalsAreWrittenAsNlohmannWritesTheRoundedDouble) {
  EXPECT_EQ(decimal3(0.081), "0.081");
  EXPECT_EQ(decimal3(0.0814), "0.081");
  EXPECT_EQ(decimal3(0.0815001), "0.082");
  EXPECT_EQ(decimal3(12), "12.0");
  EXPECT_EQ(decimal3(0), "0.0");
  EXPECT_EQ(decimal3(1000.5), "1000.5");
  EXPECT_EQ(decimal3(0.001), "0.001");
  EXPECT_EQ(decimal3(std::nan("")), "null");
  EXPECT_EQ(decimal3(INFINITY), "null");
  EXPECT_EQ(decimal3(1e15), "1e+15");
  EXPECT_EQ(decimal3(-2.5e13), "-25000000000000.0");
  // Below 1e12 the very digits; beyond, the same double (Grisu2 may pick other digits).
  auto same = [](double x) {
    double rounded = std::round(x * 1000.0) / 1000.0;
    if (std::fabs(rounded) < 1e12) {
      ASSERT_EQ(decimal3(x), Json(rounded).dump()) << x;
    } else {
      ASSERT_EQ(nlohmann::json::parse(decimal3(x)).get<double>(), rounded) << x;
    }
  };
  for (int k = 0; k < 1000000; ++k) same(k / 1000.0);
  for (double x : {-0.0, -0.0001, -1.5, -12345.678, 1e11, 999999999999.999, 1e12, 1.5e12, 9e12,
                   1e15, 1.234567e18, -9.2e15, 1e300, -1e-300}) {
    same(x);
  }
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> ns(0, std::int64_t{1} << 62);
  for (int i = 0; i < 200000; ++i) same(to_ms(std::chrono::nanoseconds(ns(rng) >> (i % 62))));
}

Outcome sample(bool resolved) {
  Outcome o;
  if (resolved) o.peer = *parse_ip("127.0.0.1", 8080);
  o.state = resolved ? State::closed : State::unresolved;
  o.reason = resolved ? Reason::conn_refused : Reason::nxdomain;
  o.error = resolved ? 111 : 0;
  o.phase = resolved ? Phase::completion : Phase::resolve;
  o.rtt = std::chrono::nanoseconds(81234);
  return o;
}

// The record as nlohmann-json wrote it before this writer (the same fields, in the same order).
Json reference(const Outcome& o, std::string_view target, std::uint16_t port) {
  Json j;
  j["target"] = std::string(target);
  j["address"] = o.peer.empty() ? Json(nullptr) : Json(o.peer.address());
  j["port"] = o.peer.empty() ? port : o.peer.port();
  j["family"] = o.peer.empty() ? Json(nullptr) : Json(std::string(to_string(o.peer.family())));
  j["protocol"] = std::string(to_string(o.protocol));  // added with issue 11
  j["state"] = std::string(to_string(o.state));
  j["reason"] = o.reason_name();
  j["errno"] = o.error ? Json(std::string(errno_name(o.error))) : Json(nullptr);
  j["phase"] = std::string(to_string(o.phase));
  j["rtt_ms"] = std::round(to_ms(o.rtt) * 1000.0) / 1000.0;
  j["attempts"] = o.attempts;
  j["method"] = "so-error";
  if (!o.detail.empty()) j["detail"] = o.detail;
  return j;
}

TEST(RecordWriter, RecordsEqualNlohmannByteForByte) {
  const std::string targets[] = {
      "localhost", "127.0.0.1", "caf\xC3\xA9.example", "a\"b\\c", "tab\there", "\xE2\x82\xAC", ""};
  for (const std::string& target : targets) {
    for (bool resolved : {true, false}) {
      for (const std::string& detail : {std::string(), std::string("nxdomain: \"x\"\n")}) {
        Outcome o = sample(resolved);
        o.detail = detail;
        for (auto rtt : {0, 1, 81234, 999999, 1500000000}) {
          o.rtt = std::chrono::nanoseconds(rtt);
          std::string line;
          append_json_record(line, o, target, 80, Method::so_error);
          EXPECT_EQ(line, reference(o, target, 80).dump() + "\n");
        }
      }
    }
  }
  Outcome o = sample(true);
  std::string line;
  append_json_record(line, o, "x", 80, Method::so_error, true);
  Json want = reference(o, "x", 80);
  want["canary"] = true;
  EXPECT_EQ(line, want.dump() + "\n");
}

TEST(RecordWriter, IPv6AddressAndDialTried) {
  Outcome a = sample(true);
  a.peer = *parse_ip("::1", 443);
  Outcome b = sample(true);
  DialResult dial;
  dial.outcome = b.copy_without_socket();
  dial.tried.push_back(a.copy_without_socket());
  dial.tried.push_back(b.copy_without_socket());
  std::string line;
  append_dial_record(line, dial, "dual.test", 443, Method::so_error);
  Json want = reference(b, "dual.test", 443);
  Json tried = Json::array();
  for (const Outcome* o : {&a, &b}) {
    Json t = reference(*o, "dual.test", 443);
    t.erase("target");
    tried.push_back(t);
  }
  want["tried"] = tried;
  EXPECT_EQ(line, want.dump() + "\n");
  EXPECT_NE(line.find(R"("address":"::1","port":443,"family":"ipv6")"), std::string::npos);
}

TEST(RecordWriter, UnresolvedRecordKeepsItsPort) {
  std::string line;
  append_json_record(line, sample(false), "example.invalid", 80, Method::so_error);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["port"], 80);
  EXPECT_TRUE(j["address"].is_null());
  EXPECT_TRUE(j["family"].is_null());
  EXPECT_TRUE(j["errno"].is_null());
}

TEST(RecordWriter, CsvQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(csv_field("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("a\nb"), "\"a\nb\"");
  EXPECT_EQ(csv_field("a\rb"), "\"a\rb\"");
  EXPECT_EQ(csv_field(std::string("a\0b", 3)), std::string("\"a\0b\"", 5));
  EXPECT_EQ(csv_field("a\x1f"), "\"a\x1f\"");
  EXPECT_EQ(csv_field("a\x7f"), "\"a\x7f\"");
  EXPECT_EQ(csv_field(" a"), "\" a\"");
  EXPECT_EQ(csv_field("a\t"), "\"a\t\"");
  EXPECT_EQ(csv_field("a b"), "a b");
  EXPECT_EQ(csv_field("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(csv_field("bad\xFF"), "bad" + kFffd);
  EXPECT_EQ(csv_field("\"\xFF"), "\"\"\"" + kFffd + "\"");
}

TEST(RecordWriter, CsvRowHasTheHeadersColumns) {
  std::string row;
  append_csv_record(row, sample(true), "web,1", 8080);
  EXPECT_EQ(row,
            "\"web,1\",127.0.0.1,8080,ipv4,closed,conn-refused,ECONNREFUSED,completion,"
            "0.081,1,tcp\n");
  row.clear();
  append_csv_record(row, sample(false), "example.invalid", 80);
  EXPECT_EQ(row, "example.invalid,,80,,unresolved,nxdomain,,resolve,0.081,1,tcp\n");
}

}  // namespace
}  // namespace nbc::cli
