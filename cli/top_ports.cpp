// The top ports and the service names (top_ports.hpp), over the generated tables.
#include "top_ports.hpp"

#include <algorithm>

namespace nbc::cli {

std::span<const std::uint16_t> ranked_tcp_ports() {
  return {detail::kRankedTcpPorts, detail::kRankedTcpPortCount};
}

std::vector<std::uint16_t> top_tcp_ports(std::size_t n) {
  n = std::clamp<std::size_t>(n, 1, 65535);
  std::vector<bool> chosen(65536, false);
  std::vector<std::uint16_t> out;
  out.reserve(n);
  for (std::uint16_t port : ranked_tcp_ports()) {
    if (out.size() == n) break;
    if (chosen[port]) continue;
    chosen[port] = true;
    out.push_back(port);
  }
  for (std::uint32_t port = 1; port <= 65535 && out.size() < n; ++port) {
    if (chosen[port]) continue;
    chosen[port] = true;
    out.push_back(static_cast<std::uint16_t>(port));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view tcp_service_name(std::uint16_t port) {
  const detail::TcpServiceName* begin = detail::kTcpServiceNames;
  const detail::TcpServiceName* end = begin + detail::kTcpServiceNameCount;
  auto it =
      std::lower_bound(begin, end, port,
                       [](const detail::TcpServiceName& s, std::uint16_t p) { return s.port < p; });
  if (it == end || it->port != port) return {};
  return it->name;
}

std::string_view top_ports_source() {
  return detail::kTopPortsSource;
}

}  // namespace nbc::cli
