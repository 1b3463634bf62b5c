// libFuzzer target for the JSON record writer (cli/record_writer.hpp): any target word and detail
// text (any bytes, invalid UTF-8 and control characters included) and any round-trip time give one
// line that a real JSON parser (nlohmann-json) reads back with every field: the target and detail
// unchanged when they were valid UTF-8, else their U+FFFD-replaced form. The line is also compared
// byte for byte with what nlohmann-json itself writes for the same record (the writer used before
// this one), except for DEL, which the writer escapes as \u007f, and for round-trip times beyond
// 1e12 ms, where the number is only the same value (see append_json_decimal3).
//
// Input: byte 0 picks where the target ends (the rest is the detail); the first 8 bytes are the
// round-trip time in nanoseconds; the last byte picks the address family, whether the outcome has
// an address, the state, a canary flag and a dial with two addresses tried.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "json_text.hpp"
#include "record_writer.hpp"

using nbc::fuzz::check;
using Json = nlohmann::ordered_json;

namespace {

// nlohmann's own verdict (its strict dump throws on invalid UTF-8); ASCII needs no check, which
// spares most inputs an exception (slow under the sanitizers).
bool valid_utf8(std::string_view s) {
  bool ascii = true;
  for (char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return true;
  try {
    (void)nlohmann::json(std::string(s)).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// The record as the CLI wrote it with nlohmann-json (before the record writer existed).
Json reference(const nbc::Outcome& o, std::optional<std::string_view> target, std::uint16_t port,
               nbc::Method method) {
  Json j;
  if (target) j["target"] = std::string(*target);
  if (o.peer.empty()) {
    j["address"] = nullptr;
    j["port"] = port;
    j["family"] = nullptr;
  } else {
    j["address"] = o.peer.address();
    j["port"] = o.peer.port();
    j["family"] = std::string(to_string(o.peer.family()));
  }
  j["protocol"] = std::string(to_string(o.protocol));
  j["state"] = std::string(to_string(o.state));
  j["reason"] = o.reason_name();
  std::string_view name = nbc::errno_name(o.error);
  j["errno"] = name.empty() ? Json(nullptr) : Json(std::string(name));
  j["phase"] = std::string(to_string(o.phase));
  j["rtt_ms"] = std::round(nbc::to_ms(o.rtt) * 1000.0) / 1000.0;
  j["attempts"] = o.attempts;
  j["method"] = std::string(to_string(method));
  if (!o.detail.empty()) j["detail"] = o.detail;
  return j;
}

// nlohmann's line with DEL escaped, as the record writer escapes it.
std::string reference_line(const Json& j) {
  std::string dumped = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  for (char c : dumped) {
    if (c == '\x7f') {
      out += "\\u007f";
    } else {
      out += c;
    }
  }
  return out + '\n';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t cut = size ? data[0] % (size + 1) : 0;
  const std::string_view target = text.substr(0, cut);
  const std::uint8_t flags = size ? data[size - 1] : 0;
  std::int64_t ns = 0;
  std::memcpy(&ns, data, std::min<std::size_t>(size, sizeof ns));

  nbc::Outcome o;
  if (!(flags & 1)) o.peer = *nbc::parse_ip((flags & 2) ? "::1" : "127.0.0.1", 443);
  static constexpr nbc::State kStates[] = {nbc::State::closed, nbc::State::open,
                                           nbc::State::filtered, nbc::State::unresolved};
  o.state = kStates[(flags >> 2) & 3];
  o.reason = (flags & 4) ? nbc::Reason::conn_refused : nbc::Reason::nxdomain;
  o.error = (flags & 4) ? 111 : 0;
  o.phase = nbc::Phase::completion;
  o.rtt = std::chrono::nanoseconds(ns);
  o.attempts = flags;
  o.detail = std::string(text.substr(cut));
  const bool canary = flags & 16;
  const auto method = nbc::Method::so_error;

  std::string line;
  nbc::cli::append_json_record(line, o, target, 8080, method, canary);
  check(!line.empty() && line.back() == '\n', "a record does not end its line", text);
  check(line.find('\n') == line.size() - 1, "a record spans lines", text);

  Json ref = reference(o, target, 8080, method);
  if (canary) ref["canary"] = true;
  // Beyond 1e12 ms (31 years) both write the same double, but nlohmann's Grisu2 may pick other
  // digits of the same length than the writer's shortest-and-closest ones: equal as values there.
  const bool same_digits = std::fabs(nbc::to_ms(o.rtt)) < 1e12;
  if (same_digits) {
    check(line == reference_line(ref), "the record differs from nlohmann-json's", text);
  } else {
    check(nlohmann::json::parse(line) == nlohmann::json::parse(reference_line(ref)),
          "the record differs from nlohmann-json's as a value", text);
  }

  auto parsed = nlohmann::json::parse(line, nullptr, false);
  check(!parsed.is_discarded() && parsed.is_object(), "a record is not a JSON object", text);
  // nlohmann's parser refuses invalid UTF-8 in strings: the replaced target is valid UTF-8.
  const std::string want_target = nbc::cli::utf8_replaced(target);
  if (valid_utf8(target)) check(want_target == target, "valid UTF-8 was replaced", text);
  check(parsed["target"] == want_target, "target changed", text);
  if (o.detail.empty()) {
    check(!parsed.contains("detail"), "an empty detail was written", text);
  } else {
    check(parsed["detail"] == nbc::cli::utf8_replaced(o.detail), "detail changed", text);
  }
  check(parsed["port"] == (o.peer.empty() ? 8080 : 443), "port changed", text);
  check(parsed["state"] == std::string(to_string(o.state)), "state changed", text);
  check(parsed["errno"] == (o.error ? Json("ECONNREFUSED") : Json(nullptr)), "errno changed", text);
  check(parsed["attempts"] == o.attempts, "attempts changed", text);
  const double rtt = std::round(nbc::to_ms(o.rtt) * 1000.0) / 1000.0;
  check(parsed["rtt_ms"].is_number() && parsed["rtt_ms"].get<double>() == rtt, "rtt_ms changed",
        text);
  check(parsed.contains("canary") == canary, "canary flag wrong", text);

  // A dial that tried two addresses: its "tried" entries carry no target.
  if (flags & 32) {
    nbc::DialResult dial;
    dial.outcome = o.copy_without_socket();
    dial.tried.push_back(o.copy_without_socket());
    dial.tried.push_back(o.copy_without_socket());
    std::string dial_line;
    nbc::cli::append_dial_record(dial_line, dial, target, 8080, method);
    Json want = reference(o, target, 8080, method);
    Json tried = Json::array();
    for (int i = 0; i < 2; ++i) tried.push_back(reference(o, std::nullopt, 8080, method));
    want["tried"] = tried;
    if (same_digits) {
      check(dial_line == reference_line(want), "the dial record differs from nlohmann-json's",
            text);
    } else {
      check(nlohmann::json::parse(dial_line) == nlohmann::json::parse(reference_line(want)),
            "the dial record differs from nlohmann-json's as a value", text);
    }
  }
  return 0;
}
