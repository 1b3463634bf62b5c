// A UDP responder for tests: a socket bound on a loopback address that answers datagrams with
// one of its own ("pong"), from a thread, until it is destroyed (or idle for 60 s).
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string_view>
#include <thread>

#include <arpa/inet.h>

#include <cstring>

namespace nbc::test {

class UdpResponder {
 public:
  // Answers from the `answer_after`-th datagram on (1: every one). Port 0: the kernel picks one.
  explicit UdpResponder(const char* address = "127.0.0.1", int answer_after = 1,
                        std::uint16_t port = 0) {
    // Plain socket calls: the CLI tests do not link the library.
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address_);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address_);
    if (::inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(port);
      len_ = sizeof *v4;
    } else if (::inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(port);
      len_ = sizeof *v6;
    } else {
      return;
    }
    sockaddr* sa = reinterpret_cast<sockaddr*>(&address_);
    fd_ = ::socket(address_.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || ::bind(fd_, sa, len_) != 0) return;
    socklen_t len = len_;
    ::getsockname(fd_, sa, &len);  // the port the kernel picked, kept for the stop datagram
    port_ = ntohs(address_.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
    thread_ = std::thread([this, answer_after] {
      int seen = 0;
      pollfd p{fd_, POLLIN, 0};
      while (::poll(&p, 1, 60000) == 1) {
        sockaddr_storage from{};
        socklen_t flen = sizeof from;
        char buf[512];
        ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
        if (n < 0) break;
        if (n == 4 && std::string_view(buf, 4) == "stop") break;
        if (++seen >= answer_after) {
          ::sendto(fd_, "pong", 4, 0, reinterpret_cast<sockaddr*>(&from), flen);
        }
      }
    });
  }
  ~UdpResponder() {
    if (thread_.joinable()) {
      int s = ::socket(address_.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      ::sendto(s, "stop", 4, 0, reinterpret_cast<sockaddr*>(&address_), len_);
      ::close(s);
      thread_.join();
    }
    if (fd_ >= 0) ::close(fd_);
  }
  UdpResponder(const UdpResponder&) = delete;
  UdpResponder& operator=(const UdpResponder&) = delete;
  bool ok() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  sockaddr_storage address_{};
  socklen_t len_ = 0;
  std::thread thread_;
};

}  // namespace nbc::test
