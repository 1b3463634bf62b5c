// The top ports and the service names (top_ports.hpp): the generated, packed tables unpacked once,
// on first use.
#include "top_ports.hpp"

#include <algorithm>
#include <string>

namespace nbc::cli {
namespace {

struct ProtocolTable {
  std::vector<std::uint16_t> ranked;    // most frequently open first
  std::vector<std::uint16_t> listed;    // the same ports, ascending
  std::vector<std::string_view> names;  // the name of each listed port
};

struct Tables {
  std::string names_text;  // the parts of the names, joined; `names` point into it
  ProtocolTable tcp;
  ProtocolTable udp;
};

// A packed ranking: groups of equal frequency, each "0, first port, differences".
std::vector<std::uint16_t> unpack_ranking(const std::uint16_t* packed, std::size_t size) {
  std::vector<std::uint16_t> ranked;
  ranked.reserve(size);
  std::uint32_t port = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if (packed[i] == 0) {
      if (++i == size) break;
      port = packed[i];
    } else {
      port += packed[i];
    }
    if (port >= 1 && port <= 65535) ranked.push_back(static_cast<std::uint16_t>(port));
  }
  return ranked;
}

// The next space-separated word of the names text, from `pos` on (empty at the end).
std::string_view next_word(std::string_view text, std::size_t& pos) {
  if (pos > text.size()) return {};
  std::size_t end = std::min(text.find(' ', pos), text.size());
  std::string_view word = text.substr(pos, end - pos);
  pos = end + 1;
  return word;
}

// One word per listed port: "" is "unknown"; for UDP "=" is the TCP port's name.
void read_names(ProtocolTable& table, std::string_view text, std::size_t& pos,
                const ProtocolTable* tcp) {
  table.listed = table.ranked;
  std::sort(table.listed.begin(), table.listed.end());
  table.names.reserve(table.listed.size());
  for (std::uint16_t port : table.listed) {
    std::string_view word = next_word(text, pos);
    if (word == "=" && tcp != nullptr) {
      auto it = std::lower_bound(tcp->listed.begin(), tcp->listed.end(), port);
      if (it != tcp->listed.end() && *it == port) {
        word = tcp->names[static_cast<std::size_t>(it - tcp->listed.begin())];
      }
    }
    table.names.push_back(word.empty() || word == "=" ? std::string_view("unknown") : word);
  }
}

const Tables& tables() {
  static const Tables t = [] {
    Tables t;
    t.names_text = std::string(detail::kServiceNames1) + detail::kServiceNames2;
    t.tcp.ranked = unpack_ranking(detail::kRankedTcpPacked, detail::kRankedTcpPackedSize);
    t.udp.ranked = unpack_ranking(detail::kRankedUdpPacked, detail::kRankedUdpPackedSize);
    std::size_t pos = 0;
    read_names(t.tcp, t.names_text, pos, nullptr);
    read_names(t.udp, t.names_text, pos, &t.tcp);
    return t;
  }();
  return t;
}

const ProtocolTable& table(Protocol protocol) {
  return protocol == Protocol::udp ? tables().udp : tables().tcp;
}

}  // namespace

std::span<const std::uint16_t> ranked_ports(Protocol protocol) {
  return table(protocol).ranked;
}

std::vector<std::uint16_t> top_ports(std::size_t n, Protocol protocol) {
  n = std::clamp<std::size_t>(n, 1, 65535);
  std::vector<bool> chosen(65536, false);
  std::vector<std::uint16_t> out;
  out.reserve(n);
  for (std::uint16_t port : ranked_ports(protocol)) {
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

std::string_view service_name(std::uint16_t port, Protocol protocol) {
  const ProtocolTable& t = table(protocol);
  auto it = std::lower_bound(t.listed.begin(), t.listed.end(), port);
  if (it == t.listed.end() || *it != port) return {};
  return t.names[static_cast<std::size_t>(it - t.listed.begin())];
}

std::span<const std::uint16_t> ranked_tcp_ports() {
  return ranked_ports(Protocol::tcp);
}

std::vector<std::uint16_t> top_tcp_ports(std::size_t n) {
  return top_ports(n, Protocol::tcp);
}

std::string_view tcp_service_name(std::uint16_t port) {
  return service_name(port, Protocol::tcp);
}

std::string_view top_ports_source() {
  return detail::kTopPortsSource;
}

}  // namespace nbc::cli
