// Started with stderr (or stdout, or stdin) closed, nbconnect opens /dev/null in its place
// before any socket: the probe never becomes descriptor 1 or 2, so neither the result nor the -v
// trace reaches the service being probed.
#include <poll.h>
#include <sys/socket.h>

#include "cli/cli.hpp"

namespace nbc::test {
namespace {

// What the service received on the one connection the check made (until it closed).
std::string received_by(Listener& listener) {
  // The client has exited: its connection is queued already, or was reset away (nothing got in).
  pollfd queued{listener.fd(), POLLIN, 0};
  if (::poll(&queued, 1, 1000) <= 0) return "";
  int fd = ::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return "";
  std::string got;
  // Everything it sent is queued already; a few bounded reads.
  for (int i = 0; i < 100; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) break;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

void check_with_closed(const std::string& options, const std::string& redirection) {
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  std::string command = std::string("exec ") + NBC_PROGRAM + " check " + options + " 127.0.0.1 " +
                        std::to_string(listener.port()) + " " + redirection;
  RunResult r = run_program({"/bin/sh", "-c", command}, std::chrono::seconds(20));
  EXPECT_EQ(r.exit_code, 0) << r.output();
  EXPECT_EQ(received_by(listener), "")
      << "output meant for " << redirection << " reached the service";
}

TEST(ClosedStandardDescriptors, StderrClosedTraceNotSentToTheTarget) {
  NBC_REQUIRE_NETNS();
  check_with_closed("-v", "2>&-");
}

TEST(ClosedStandardDescriptors, StdoutClosedResultNotSentToTheTarget) {
  NBC_REQUIRE_NETNS();
  check_with_closed("", ">&-");
}

TEST(ClosedStandardDescriptors, AllThreeClosed) {
  NBC_REQUIRE_NETNS();
  check_with_closed("-v", "<&- >&- 2>&-");
}

}  // namespace
}  // namespace nbc::test
