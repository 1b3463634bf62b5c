// libFuzzer target for port lists ("22,80,8000-8100", "-"): what parses is sorted, unique and in
// 1-65535, and written back as ranges ("1-3,7") it parses to the same ports, as does the list of
// single ports when it is short; what does not parse is refused with a one-line message. (Writing
// all 65,535 ports of "-" back one by one made a run 10x slower for no extra coverage.)
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "nbconnect/scan_targets.hpp"

using nbc::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ports = nbc::parse_port_list(text);
  if (!ports) {
    nbc::fuzz::check_message(ports.error().message, text);
    return 0;
  }
  check(!ports->empty(), "an accepted list has no port", text);
  std::string ranges, singles;
  const bool short_list = ports->size() <= 64;
  for (std::size_t i = 0; i < ports->size(); ++i) {
    const unsigned p = (*ports)[i];
    check(p >= 1, "port 0 accepted", text);
    check(i == 0 || (*ports)[i - 1] < p, "ports not ascending and unique", text);
    if (short_list) singles += (i ? "," : "") + std::to_string(p);
    if (i && (*ports)[i - 1] + 1u == p) continue;  // inside a run: written with its start
    std::size_t end = i;
    while (end + 1 < ports->size() && (*ports)[end + 1] == (*ports)[end] + 1u) ++end;
    if (!ranges.empty()) ranges += ',';
    ranges += std::to_string(p);
    if (end > i) ranges += '-' + std::to_string((*ports)[end]);
  }
  auto reparsed = nbc::parse_port_list(ranges);
  check(reparsed && *reparsed == *ports, "the list written back as ranges parses differently",
        text);
  if (short_list) {
    auto again = nbc::parse_port_list(singles);
    check(again && *again == *ports, "the list written back port by port parses differently", text);
  }
  return 0;
}
