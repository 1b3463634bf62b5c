// The TCP ports most often found open, ranked, and the service name of each known TCP port: facts
// from nmap's published nmap-services table, generated into top_ports_data.cpp by
// scripts/gen_top_ports.py (which states the file, the nmap version and the date).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace nbc::cli {

// Without -p a scan probes this many of the ranked ports, like nmap.
inline constexpr std::size_t kDefaultTopPorts = 1000;

// Every ranked port, the most frequently open first (ties by port number). Holds the ports that
// nmap-services lists for TCP, not all 65,535.
std::span<const std::uint16_t> ranked_tcp_ports();

// The n most frequently open ports (1 <= n <= 65535), in ascending order: the first n ranked
// ports, continued past the ranked ones by the remaining ports in ascending order.
std::vector<std::uint16_t> top_tcp_ports(std::size_t n);

// nmap's name for a TCP port ("http", "unknown", ...), or "" when nmap-services does not list it.
std::string_view tcp_service_name(std::uint16_t port);

// Where the data came from: the file, its $Id$, the nmap version and the date it was generated.
std::string_view top_ports_source();

namespace detail {
struct TcpServiceName {
  std::uint16_t port;
  const char* name;
};
extern const std::uint16_t kRankedTcpPorts[];
extern const std::size_t kRankedTcpPortCount;
extern const TcpServiceName kTcpServiceNames[];  // by port, ascending
extern const std::size_t kTcpServiceNameCount;
extern const char kTopPortsSource[];
}  // namespace detail

}  // namespace nbc::cli
