// libFuzzer target for --dns-server words ("ADDR", "ADDR:PORT", "[V6]:PORT"): an accepted word is
// normalised to ADDR:PORT, which is accepted again unchanged (the normal form is a fixed point).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "nbconnect/dialer.hpp"

using nbc::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto server = nbc::parse_dns_server(text);
  if (!server) {
    nbc::fuzz::check_message(server.error().message, text);
    return 0;
  }
  auto again = nbc::parse_dns_server(*server);
  check(again && *again == *server, "the normal form is not a fixed point", text);
  check(server->find(':') != std::string::npos, "the normal form has no port", text);
  return 0;
}
