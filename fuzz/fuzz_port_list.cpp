// libFuzzer target for port lists ("22,80,8000-8100", "-"): what parses is sorted, unique and in
// 1-65535, and written back as a list it parses to the same ports; what does not parse is refused
// with a one-line message.
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
  std::string again;
  for (std::size_t i = 0; i < ports->size(); ++i) {
    check((*ports)[i] >= 1, "port 0 accepted", text);
    check(i == 0 || (*ports)[i - 1] < (*ports)[i], "ports not ascending and unique", text);
    if (i) again += ',';
    again += std::to_string((*ports)[i]);
  }
  auto reparsed = nbc::parse_port_list(again);
  check(reparsed && *reparsed == *ports, "the list written back parses differently", text);
  return 0;
}
