// The TCP and UDP ports most often found open, ranked, and the service name of each known TCP and
// UDP port: facts from nmap's published nmap-services table, generated into
// top_ports_{tcp,udp}_data.cpp and service_names_data_{1,2}.cpp by scripts/gen_top_ports.py
// (which states the file, the nmap version and the date).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "nbconnect/endpoint.hpp"

namespace nbc::cli {

// Without -p a scan probes this many of the ranked ports, like nmap (for TCP and for UDP).
inline constexpr std::size_t kDefaultTopPorts = 1000;

// Every ranked port of the protocol, the most frequently open first (ties by port number). Holds
// the ports that nmap-services lists for it (8,366 TCP, 19,022 UDP), not all 65,535.
std::span<const std::uint16_t> ranked_ports(Protocol protocol);

// The n most frequently open ports of the protocol (1 <= n <= 65535), in ascending order: the
// first n ranked ports, continued past the ranked ones by the remaining ports in ascending order.
std::vector<std::uint16_t> top_ports(std::size_t n, Protocol protocol);

// nmap's name for a port of the protocol ("http", "domain", "unknown", ...), or "" when
// nmap-services does not list it.
std::string_view service_name(std::uint16_t port, Protocol protocol);

// The TCP ones, as before UDP came.
std::span<const std::uint16_t> ranked_tcp_ports();
std::vector<std::uint16_t> top_tcp_ports(std::size_t n);
std::string_view tcp_service_name(std::uint16_t port);

// Where the data came from: the file, its $Id$, the nmap version and the date it was generated.
std::string_view top_ports_source();

namespace detail {
// The generated tables; their format is described in scripts/gen_top_ports.py.
extern const std::uint16_t kRankedTcpPacked[];
extern const std::size_t kRankedTcpPackedSize;
extern const std::uint16_t kRankedUdpPacked[];
extern const std::size_t kRankedUdpPackedSize;
extern const char kServiceNames1[];
extern const char kServiceNames2[];
extern const char kTopPortsSource[];
}  // namespace detail

}  // namespace nbc::cli
