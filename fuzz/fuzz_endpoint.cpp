// libFuzzer target for the strict parsers of endpoint.hpp: no input may crash them, every error is
// a one-line message about a word of the input, and whatever parses must format back to text that
// parses to the same value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "nbconnect/endpoint.hpp"

namespace {

using nbc::fuzz::check;

void check_error(const nbc::ParseError& error, std::string_view input) {
  nbc::fuzz::check_message(error.message, input);
  check(input.find(error.word) != std::string_view::npos, "error word is not part of the input",
        input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto ip = nbc::parse_ip(text, 4242)) {
    auto again = nbc::parse_ip(ip->address(), 4242);
    check(again.has_value(), "address() of a parsed IP does not parse", text);
    check(*again == *ip, "parse_ip(address()) gives a different endpoint", text);
    auto target = nbc::parse_host_port(ip->to_string());
    check(target.has_value() && target->literal.has_value(), "to_string() does not parse", text);
    check(*target->literal == *ip, "parse_host_port(to_string()) gives a different endpoint", text);
  } else {
    check_error(ip.error(), text);
  }

  if (auto v4 = nbc::parse_ipv4(text)) {
    // The strict dotted quad is canonical: formatting gives back exactly the input.
    check(v4->address() == text, "IPv4 address is not canonical", text);
  }

  if (auto port = nbc::parse_port(text)) {
    check(*port >= 1 && std::to_string(*port) == text, "port is not canonical", text);
  } else {
    check_error(port.error(), text);
  }

  if (auto duration = nbc::parse_duration(text)) {
    check(duration->count() > 0 && *duration <= std::chrono::hours(24), "duration out of range",
          text);
  } else {
    check_error(duration.error(), text);
  }

  if (auto host = nbc::parse_host(text)) {
    check(host->literal.has_value() != nbc::is_host_name(host->host),
          "a host is either a literal or a name", text);
  } else {
    check_error(host.error(), text);
    check(!nbc::is_host_name(text), "is_host_name accepts what parse_host refuses", text);
  }

  if (auto target = nbc::parse_host_port(text)) {
    auto again = nbc::parse_host_port(target->to_string());
    check(again.has_value(), "HostPort::to_string() does not parse", text);
    check(again->host == target->host && again->port == target->port &&
              again->literal == target->literal,
          "parse_host_port(to_string()) differs", text);
  } else {
    check_error(target.error(), text);
  }
  return 0;
}
