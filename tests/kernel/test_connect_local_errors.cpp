// Local errors are never remote answers: EMFILE, EAGAIN, EADDRNOTAVAIL are retried with a fresh
// socket after a back-off, and reported as error/local-resources only when they persist. The
// kernel cannot stage these on demand at one exact call, so the system-call seam injects them.
// They run on every entry point: the retry counts are ConnectOptions', which the attempt driver
// applies whoever runs it (the engine once ignored local_error_retries).
#include <sys/resource.h>
#include <sys/select.h>

#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "kernel/matrix.hpp"
#include "kernel/seam.hpp"

namespace nbc::test {
namespace {

class ConnectLocalErrors : public ConnectMatrix {};

TEST_P(ConnectLocalErrors, TransientEmfileIsRetriedWithFreshSocket) {
  Listener listener("127.0.0.1");
  Seam seam;
  detail::sys().socket = failing_socket;
  g_failures_left = 2;
  g_injected_errno = EMFILE;
  Outcome o = connect(ep("127.0.0.1", listener.port()), options());
  EXPECT_EQ(o.state, State::open);
  EXPECT_EQ(o.attempts, 3);
}

TEST_P(ConnectLocalErrors, PersistentEmfileIsLocalResourcesError) {
  Listener listener("127.0.0.1");
  Seam seam;
  detail::sys().socket = failing_socket;
  g_failures_left = 1000;
  g_injected_errno = EMFILE;
  ConnectOptions opts = options();
  Outcome o = connect(ep("127.0.0.1", listener.port()), opts);
  EXPECT_EQ(o.state, State::error);
  EXPECT_EQ(o.reason, Reason::local_resources);
  EXPECT_EQ(o.error, EMFILE);
  EXPECT_EQ(o.phase, Phase::socket);
  EXPECT_EQ(o.attempts, 1 + opts.local_error_retries);
}

// Whatever the entry point, local_error_retries is what decides how many sockets are tried: a
// value that is neither ConnectOptions' default (3) nor EngineOptions' (8).
TEST_P(ConnectLocalErrors, LocalErrorRetriesOptionIsHonoured) {
  Listener listener("127.0.0.1");
  Seam seam;
  detail::sys().socket = failing_socket;
  g_injected_errno = EMFILE;
  for (int retries : {0, 1}) {
    g_failures_left = 1000;
    ConnectOptions opts = options();
    opts.local_error_retries = retries;
    Outcome o = connect(ep("127.0.0.1", listener.port()), opts);
    EXPECT_EQ(o.state, State::error) << "local_error_retries=" << retries;
    EXPECT_EQ(o.reason, Reason::local_resources) << "local_error_retries=" << retries;
    EXPECT_EQ(o.error, EMFILE) << "local_error_retries=" << retries;
    EXPECT_EQ(o.attempts, 1 + retries) << "local_error_retries=" << retries;
  }
}

TEST_P(ConnectLocalErrors, TcpEagainFromConnectIsLocalNotInProgress) {
  if (completion_connect()) GTEST_SKIP() << kNoConnectCall;
  Listener listener("127.0.0.1");
  Seam seam;
  detail::sys().connect = failing_connect;
  g_failures_left = 1000;
  g_injected_errno = EAGAIN;
  Outcome o = connect(ep("127.0.0.1", listener.port()), options());
  EXPECT_EQ(o.state, State::error);
  EXPECT_EQ(o.reason, Reason::local_resources);
  EXPECT_EQ(o.error, EAGAIN);
  EXPECT_EQ(o.phase, Phase::connect);
}

TEST_P(ConnectLocalErrors, TransientEaddrnotavailThenOpen) {
  if (completion_connect()) GTEST_SKIP() << kNoConnectCall;
  Listener listener("127.0.0.1");
  Seam seam;
  detail::sys().connect = failing_connect;
  g_failures_left = 1;
  g_injected_errno = EADDRNOTAVAIL;
  Outcome o = connect(ep("127.0.0.1", listener.port()), options());
  EXPECT_EQ(o.state, State::open);
  EXPECT_EQ(o.attempts, 2);
}

// A real EMFILE from the kernel: with the descriptor limit exhausted, socket() fails and the
// outcome says local-resources, never closed or filtered.
TEST_P(ConnectLocalErrors, RealEmfileWhenDescriptorsRunOut) {
  Listener listener("127.0.0.1");
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  std::vector<int> hogs;
  rlimit low{64, saved.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  // Every descriptor is taken, so socket() itself meets the limit.
  while (true) {
    int fd = ::dup(0);
    if (fd < 0) break;
    hogs.push_back(fd);
  }
  ConnectOptions opts = options();
  opts.local_error_retries = 1;
  // The Dialer makes its event loop (an epoll or io_uring descriptor) before any socket and
  // throws when it cannot: a failure to start, not an outcome. It gets back one descriptor at a
  // time until its loop exists, so that socket() then meets the limit.
  // nbc::connect makes its poller only once a socket needs watching, and the foreign loop
  // needs none: they must report the EMFILE with no descriptor given back.
  if (entry() == EntryPoint::engine) {
    // The engine checks before it starts that each loop has its poller and room for a socket:
    // with no descriptor free it refuses at once with EMFILE (a local shortage; exit 4 in the
    // CLI) instead of letting every probe retry EMFILE until its retries run out.
    int code = 0;
    try {
      connect(ep("127.0.0.1", listener.port()), opts);
    } catch (const std::system_error& e) {
      code = e.code().value();
    }
    for (int fd : hogs) ::close(fd);
    setrlimit(RLIMIT_NOFILE, &saved);
    EXPECT_EQ(code, EMFILE) << "the engine must refuse to start, naming EMFILE";
    return;
  }
  std::optional<Outcome> o;
  int given_back = 0;
  std::string start_error;
  while (!o) {
    try {
      o = connect(ep("127.0.0.1", listener.port()), opts);
    } catch (const std::system_error& e) {
      if (e.code().value() != EMFILE || hogs.empty()) {
        start_error = e.what();
        break;
      }
      ::close(hogs.back());
      hogs.pop_back();
      ++given_back;
    }
  }
  for (int fd : hogs) ::close(fd);
  setrlimit(RLIMIT_NOFILE, &saved);
  ASSERT_TRUE(o.has_value()) << start_error;
  if (entry() == EntryPoint::connect || entry() == EntryPoint::embedded) {
    EXPECT_EQ(given_back, 0) << "no descriptor may be spent on the loop before the socket";
  }
  EXPECT_EQ(o->state, State::error);
  EXPECT_EQ(o->reason, Reason::local_resources);
  EXPECT_EQ(o->error, EMFILE);
  EXPECT_EQ(o->phase, Phase::socket);
  EXPECT_EQ(o->attempts, 2);
}

NBC_INSTANTIATE_MATRIX(ConnectLocalErrors);

// select() cannot watch a descriptor >= FD_SETSIZE: a clear error, not memory corruption.
TEST(ConnectSelectLimit, DescriptorAboveFdSetsizeIsRefusedClearly) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max < FD_SETSIZE + 16) GTEST_SKIP() << "hard descriptor limit below FD_SETSIZE";
  rlimit high{FD_SETSIZE + 16, saved.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &high), 0);
  std::vector<int> hogs;
  while (true) {
    int fd = ::dup(0);
    if (fd < 0 || fd >= FD_SETSIZE) {
      if (fd >= 0) ::close(fd);
      break;
    }
    hogs.push_back(fd);
  }
  ConnectOptions opts;
  opts.backend = Backend::select;
  Outcome o = connect(ep("127.0.0.1", listener.port()), opts);
  for (int fd : hogs) ::close(fd);
  setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_EQ(o.state, State::error);
  EXPECT_EQ(o.reason, Reason::fd_setsize);
  EXPECT_NE(o.detail.find("FD_SETSIZE"), std::string::npos) << o.detail;
  EXPECT_FALSE(o.socket);
}

}  // namespace
}  // namespace nbc::test
