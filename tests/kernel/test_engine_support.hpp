// Helpers for the engine tests: endpoints, a recorder of outcomes, iptables in the namespace.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "nbconnect/engine.hpp"
#include "support/netns_main.hpp"

namespace nbc::test {

inline Endpoint loopback(const char* address = "127.0.0.1") {
  return *parse_ip(address);
}

struct Recorded {
  State state;
  Reason reason;
  int attempts;
  unsigned worker;
};

// Collects every outcome by (group, host, port); counts probes reported more than once.
class Recorder {
 public:
  ProbeCallback callback() {
    return [this](const Probe& p, Outcome& o) {
      std::lock_guard lock(mutex_);
      auto key = std::make_tuple(p.group, p.host, p.port);
      if (!results_.emplace(key, Recorded{o.state, o.reason, o.attempts, p.worker}).second) {
        ++duplicates_;
      }
      if (o.socket) ++sockets_handed_back_;
    };
  }
  const std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint16_t>, Recorded>& results()
      const {
    return results_;
  }
  int duplicates() const { return duplicates_; }
  int sockets_handed_back() const { return sockets_handed_back_; }

 private:
  std::mutex mutex_;
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint16_t>, Recorded> results_;
  int duplicates_ = 0;
  int sockets_handed_back_ = 0;
};

inline bool drop_ports(int first, int last) {
  return sh("iptables -w -A INPUT -p tcp --dport " + std::to_string(first) + ":" +
            std::to_string(last) + " -j DROP") == 0;
}

inline std::vector<std::uint16_t> port_range(int first, int last) {
  std::vector<std::uint16_t> out;
  for (int p = first; p <= last; ++p) out.push_back(static_cast<std::uint16_t>(p));
  return out;
}

}  // namespace nbc::test
