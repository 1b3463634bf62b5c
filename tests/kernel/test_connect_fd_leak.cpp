// No descriptor leaks on any path: 10,000 attempts (open, refused, timed out, self-connect)
// leave the descriptor count exactly where it was.
#include <poll.h>

#include <atomic>
#include <thread>

#include "kernel/matrix.hpp"

namespace nbc::test {
namespace {

class ConnectFdLeak : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    NBC_REQUIRE_NETNS();
    if (!backend_available(GetParam())) GTEST_SKIP() << "backend not available on this kernel";
  }
};

TEST_P(ConnectFdLeak, TenThousandAttemptsLeaveNoDescriptor) {
  Listener listener("127.0.0.1", 0, 4096);
  Listener dropped("127.0.0.1");
  ASSERT_TRUE(listener.ok() && dropped.ok());
  FirewallRule rule1("iptables",
                     "INPUT -p tcp --syn --dport " + std::to_string(dropped.port()) + " -j DROP");
  ASSERT_TRUE(rule1.ok());
  std::uint16_t closed_port;
  {
    Listener probe("127.0.0.1");
    closed_port = probe.port();
  }
  // Accepts and closes so that the backlog never fills; stops when told, or after 60 s.
  std::atomic<bool> stop{false};
  std::thread acceptor([&] {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!stop && std::chrono::steady_clock::now() < give_up) {
      pollfd p{listener.fd(), POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) {
        int fd = ::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) ::close(fd);
      }
    }
  });
  const int before = open_fd_count();
  const Method methods[] = {Method::so_error, Method::getpeername, Method::reconnect,
                            Method::zero_read};
  int counts[5] = {};
  for (int i = 0; i < 10000; ++i) {
    ConnectOptions o;
    o.backend = GetParam();
    o.method = methods[i % 4];
    o.linger_zero = true;
    o.timeout = std::chrono::milliseconds(200);
    o.keep_socket = (i % 3) != 0;  // half the open sockets are handed back, then dropped
    Endpoint target = ep("127.0.0.1", closed_port);
    switch (i % 10) {
      case 0:
        // A dropped SYN: a short deadline.
        o.timeout = std::chrono::milliseconds(1);
        target = ep("127.0.0.1", dropped.port());
        break;
      case 1:
        o.source = ep("127.0.0.1", closed_port);  // self-connect
        break;
      case 2:
      case 3:
      case 4:
      case 5:
        target = ep("127.0.0.1", listener.port());
        break;
      default:
        break;
    }
    Outcome out = connect(target, o);
    counts[static_cast<int>(out.state)]++;
  }
  stop = true;
  acceptor.join();
  EXPECT_EQ(open_fd_count(), before);
  EXPECT_GT(counts[static_cast<int>(State::open)], 3000);
  EXPECT_GT(counts[static_cast<int>(State::closed)], 2000);
  EXPECT_GT(counts[static_cast<int>(State::filtered)], 500);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConnectFdLeak, all_backends(),
                         [](const testing::TestParamInfo<Backend>& info) {
                           return std::string(to_string(info.param));
                         });

}  // namespace
}  // namespace nbc::test
