// libFuzzer target for the JSON record writer: any target word and detail text (any bytes,
// invalid UTF-8 and control characters included) give one line that a real JSON parser reads
// back, with the documented fields, and the target itself when it was valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "output.hpp"

using nbc::fuzz::check;

namespace {

bool valid_utf8(std::string_view s) {
  try {
    (void)nlohmann::json(std::string(s)).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t cut = size ? data[0] % (size + 1) : 0;
  std::string_view target = text.substr(0, cut);
  nbc::Outcome o;
  o.peer = *nbc::parse_ip("::1", 443);
  o.state = nbc::State::closed;
  o.reason = nbc::Reason::conn_refused;
  o.error = 111;
  o.detail = std::string(text.substr(cut));
  std::string line = nbc::cli::json_line(nbc::cli::outcome_json(o, target));
  check(!line.empty() && line.back() == '\n', "a record does not end its line", text);
  check(line.find('\n') == line.size() - 1, "a record spans lines", text);
  auto parsed = nlohmann::json::parse(line, nullptr, false);
  check(!parsed.is_discarded(), "a record is not JSON", text);
  check(parsed.is_object() && parsed.contains("target") && parsed["port"] == 443 &&
            parsed["state"] == "closed" && parsed["errno"] == "ECONNREFUSED",
        "a record lost its fields", text);
  if (valid_utf8(target)) check(parsed["target"] == std::string(target), "target changed", text);
  return 0;
}
