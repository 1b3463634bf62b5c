// The check shared by examples/asio_connect.cpp and examples/libuv_connect.cpp: which loopback
// ports to connect to, and whether the outcomes a foreign loop produced are those nbc::connect
// gives for the same endpoints.
#pragma once

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "nbconnect/connect.hpp"
#include "nbconnect/endpoint.hpp"
#include "nbconnect/options.hpp"
#include "nbconnect/outcome.hpp"

namespace loopback {

inline constexpr int kConnects = 1000;  // half to the listeners, half to closed ports

inline nbc::ConnectOptions options() {
  nbc::ConnectOptions options;
  options.timeout = std::chrono::seconds(2);
  options.keep_socket = false;  // only the outcome matters here
  return options;
}

// 1,000 sockets plus the accepted ones need more than the usual soft limit of 1,024.
inline void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// A loopback port nothing listens on: bound once by the kernel's choice, then released.
inline std::uint16_t closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// Even attempts go to the listeners, odd ones to the closed ports, alternating between each pair.
inline std::vector<nbc::Endpoint> targets(const std::uint16_t (&listening)[2]) {
  const std::uint16_t closed[2] = {closed_port(), closed_port()};
  std::vector<nbc::Endpoint> targets;
  for (int i = 0; i < kConnects; ++i) {
    std::uint16_t port = (i % 2 == 0 ? listening : closed)[(i / 2) % 2];
    targets.push_back(*nbc::parse_ip("127.0.0.1", port));
  }
  return targets;
}

// Compares each outcome with nbc::connect on the same endpoint (the listeners must still be
// listening), prints one summary line and returns the exit code: 0 when all completed, all match
// and half of them are open, as the targets were chosen.
inline int report(const char* loop, const std::vector<nbc::Endpoint>& targets,
                  const std::vector<std::optional<nbc::Outcome>>& outcomes,
                  std::chrono::steady_clock::duration elapsed) {
  int completed = 0, open = 0, closed = 0, matching = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!outcomes[i]) continue;
    const nbc::Outcome& got = *outcomes[i];
    ++completed;
    open += got.state == nbc::State::open;
    closed += got.state == nbc::State::closed;
    nbc::Outcome want = nbc::connect(targets[i], options());
    if (got.state == want.state && got.reason == want.reason) {
      ++matching;
    } else {
      std::fprintf(stderr, "%s: %s: %s %s, nbc::connect says %s %s\n", loop,
                   targets[i].to_string().c_str(), std::string(to_string(got.state)).c_str(),
                   got.reason_name().c_str(), std::string(to_string(want.state)).c_str(),
                   want.reason_name().c_str());
    }
  }
  std::printf("%s: %d/%zu completed (%d open, %d closed) in %.3f s, %d match nbc::connect\n", loop,
              completed, targets.size(), open, closed,
              std::chrono::duration<double>(elapsed).count(), matching);
  bool all = completed == static_cast<int>(targets.size()) && matching == completed;
  return all && open == completed / 2 && closed == completed / 2 ? 0 : 1;
}

}  // namespace loopback
