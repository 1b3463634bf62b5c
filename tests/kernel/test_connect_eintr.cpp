// Signals during the wait (an EINTR storm) and an EINTR from connect() itself change no outcome,
// on every entry point: the seam sits under the attempt driver that all of them run.
#include <signal.h>
#include <sys/time.h>

#include <atomic>

#include "kernel/matrix.hpp"
#include "sys.hpp"

namespace nbc::test {
namespace {

std::atomic<int> g_alarms{0};
void on_alarm(int) {
  g_alarms.fetch_add(1, std::memory_order_relaxed);
}

// A SIGALRM every 500 µs, without SA_RESTART, so every blocking wait is interrupted.
class AlarmStorm {
 public:
  AlarmStorm() {
    struct sigaction sa {};
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGALRM, &sa, &old_);
    itimerval t{{0, 500}, {0, 500}};
    setitimer(ITIMER_REAL, &t, nullptr);
  }
  ~AlarmStorm() {
    itimerval off{};
    setitimer(ITIMER_REAL, &off, nullptr);
    sigaction(SIGALRM, &old_, nullptr);
  }

 private:
  struct sigaction old_ {};
};

class ConnectEintr : public ConnectMatrix {};

TEST_P(ConnectEintr, AlarmStormChangesNoOutcome) {
  Listener listener("127.0.0.1");
  Listener dropped("127.0.0.1");
  std::uint16_t closed_port;
  {
    Listener probe("127.0.0.1");
    closed_port = probe.port();
  }
  FirewallRule rule1("iptables",
                     "INPUT -p tcp --syn --dport " + std::to_string(dropped.port()) + " -j DROP");
  ASSERT_TRUE(rule1.ok());
  g_alarms = 0;
  AlarmStorm storm;
  Outcome open = connect(ep("127.0.0.1", listener.port()), options());
  Outcome closed = connect(ep("127.0.0.1", closed_port), options());
  auto start = std::chrono::steady_clock::now();
  Outcome filtered =
      connect(ep("127.0.0.1", dropped.port()), options(std::chrono::milliseconds(200)));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GT(g_alarms.load(), 50) << "the storm did not happen";
  EXPECT_EQ(open.state, State::open);
  expect_failure(closed, State::closed, Reason::conn_refused, ECONNREFUSED);
  EXPECT_EQ(filtered.state, State::filtered);
  EXPECT_EQ(filtered.reason, Reason::no_response);
  // Each interrupted wait resumes with the time that is left, not the whole timeout again.
  EXPECT_LT(elapsed, std::chrono::milliseconds(300));
}

// connect() answering EINTR means the connect goes on: it must be waited for, never repeated.
std::atomic<int> g_connect_calls{0};
int connect_then_eintr(int fd, const sockaddr* addr, socklen_t len) {
  int n = g_connect_calls.fetch_add(1);
  int r = ::connect(fd, addr, len);
  if (n == 0 && r < 0 && errno == EINPROGRESS) errno = EINTR;
  return r;
}

class ScopedConnectSeam {
 public:
  ScopedConnectSeam() : saved_(detail::sys().connect) {
    detail::sys().connect = connect_then_eintr;
  }
  ~ScopedConnectSeam() { detail::sys().connect = saved_; }

 private:
  int (*saved_)(int, const sockaddr*, socklen_t);
};

TEST_P(ConnectEintr, EintrFromConnectMeansStillConnecting) {
  if (completion_connect()) GTEST_SKIP() << kNoConnectCall;
  Listener listener("127.0.0.1");
  ScopedConnectSeam seam;
  g_connect_calls = 0;
  Outcome o = connect(ep("127.0.0.1", listener.port()), options());
  EXPECT_EQ(o.state, State::open);
  EXPECT_EQ(o.attempts, 1);
  // Only the reconnect method calls connect() a second time: after writability, or (the
  // engine's eager check) at once, when the loopback handshake is already done.
  EXPECT_EQ(g_connect_calls.load(), method() == Method::reconnect ? 2 : 1);
}

TEST_P(ConnectEintr, EintrFromConnectThenRefusal) {
  if (completion_connect()) GTEST_SKIP() << kNoConnectCall;
  std::uint16_t port;
  {
    Listener probe("127.0.0.1");
    port = probe.port();
  }
  ScopedConnectSeam seam;
  g_connect_calls = 0;
  Outcome o = connect(ep("127.0.0.1", port), options());
  expect_failure(o, State::closed, Reason::conn_refused, ECONNREFUSED);
}

NBC_INSTANTIATE_MATRIX(ConnectEintr);

}  // namespace
}  // namespace nbc::test
