// The scan's target grammar: port lists as nmap writes them and target words (addresses, CIDR
// blocks, nmap-style IPv4 ranges, names, HOST:PORT). Pure parsing; nothing here touches a socket.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nbconnect/endpoint.hpp"

namespace nbc {

// Port lists as nmap writes them: "22,80,8000-8100", "-" or "1-" or "-1024" for open ends.
// Returns the ports in ascending order without repeats, or the word that is wrong.
Parsed<std::vector<std::uint16_t>> parse_port_list(std::string_view text);

// A scan target word: an address, an IPv4/IPv6 CIDR block, an nmap-style IPv4 range, or a host
// name (left to the caller to resolve); HOST:PORT and [IPV6]:PORT carry their own port.
struct TargetSpec {
  enum Kind : std::uint8_t { address, cidr, range, name } kind = address;
  std::string word;  // as written
  std::string host;  // without the port (and without brackets)
  std::optional<std::uint16_t> port;
  // For address, cidr and range: the first address and, for cidr, the prefix length.
  Endpoint base;
  unsigned prefix = 0;
  // For range: the allowed values of each IPv4 octet (a bit per value).
  std::vector<std::vector<bool>> octets;

  // Addresses the spec stands for (0 for a name).
  std::uint64_t count() const;
  // Calls f(endpoint) for each address, in ascending order.
  void for_each(const std::function<void(const Endpoint&)>& f) const;
  // Whether the address belongs to the spec (names never match).
  bool contains(const Endpoint& address) const;
};

// The largest CIDR block or range accepted, in addresses (an IPv4 /16, an IPv6 /112).
inline constexpr std::uint64_t kMaxTargetAddresses = std::uint64_t{1} << 16;

Parsed<TargetSpec> parse_target_spec(std::string_view word);

// The same grammar for a word that only excludes (--exclude): it is never enumerated, so a block
// of any size is accepted (0.0.0.0/0, ::/0); count() saturates for blocks past 2^64.
Parsed<TargetSpec> parse_exclude_spec(std::string_view word);

}  // namespace nbc
