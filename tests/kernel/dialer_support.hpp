// Shared by the dialer and resolver kernel tests: a dual-stack name served by dnsmasq in the
// private namespace, listeners, a blackholed IPv6 port, and timing helpers.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "nbconnect/nbconnect.hpp"
#include "support/dns.hpp"
#include "support/netns_main.hpp"

namespace nbc::test {

using Ms = std::chrono::milliseconds;

inline HostPort name_port(const std::string& host, std::uint16_t port) {
  auto hp = parse_host_and_port(host, std::to_string(port));
  EXPECT_TRUE(hp.has_value()) << host;
  return hp.value_or(HostPort{});
}

// dnsmasq with dual.test (::1 and 127.0.0.1), v6only.test (::1) and v4only.test (127.0.0.1).
inline std::vector<std::string> standard_records() {
  return {"--host-record=dual.test,127.0.0.1,::1", "--host-record=v6only.test,::1",
          "--host-record=v4only.test,127.0.0.1"};
}

inline DialOptions options_for(const std::string& dns_address) {
  DialOptions o;
  o.dns_servers = {dns_address + ":53"};
  o.connect.timeout = std::chrono::seconds(2);
  o.connect.keep_socket = false;
  o.connect.linger_zero = true;
  return o;
}

// SYNs to the port on ::1 are dropped: an IPv6 path that never answers.
inline bool blackhole_ipv6(std::uint16_t port) {
  return sh("ip6tables -A INPUT -p tcp -d ::1 --dport " + std::to_string(port) + " -j DROP") == 0;
}
inline bool blackhole_ipv4(std::uint16_t port) {
  return sh("iptables -A INPUT -p tcp -d 127.0.0.1 --dport " + std::to_string(port) + " -j DROP") ==
         0;
}

template <typename F>
Ms timed(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);
}

}  // namespace nbc::test
