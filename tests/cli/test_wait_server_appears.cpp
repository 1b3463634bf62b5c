// `nbconnect wait`: a server that starts listening 1.5 s later is waited for, then COMMAND is
// exec'd and its exit code becomes ours.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <thread>

#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(WaitServerAppears, CommandRunsWithItsExitCode) {
  NBC_REQUIRE_NETNS();
  std::uint16_t port = closed_port();
  // The waiter's end is written when the waiter has exited: the late server listens until then,
  // so its close cannot reset a connection the waiter has not judged yet.
  int done[2];
  ASSERT_EQ(::pipe2(done, O_CLOEXEC), 0);
  // The server's late start is the scenario under test, not a synchronisation.
  std::thread server([port, done_fd = done[0]] {
    std::this_thread::sleep_for(Ms(1500));
    Listener late("127.0.0.1", port);
    EXPECT_TRUE(late.ok());
    pollfd p{done_fd, POLLIN, 0};
    ::poll(&p, 1, 20000);  // bounded: the waiter gives up after 10 s
  });
  auto r = nbconnect(
      {"wait", "-t", "10s", "127.0.0.1:" + std::to_string(port), "--", "sh", "-c", "exit 7"});
  ASSERT_EQ(::write(done[1], "x", 1), 1);
  server.join();
  ::close(done[0]);
  ::close(done[1]);
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_GE(r.elapsed, Ms(1500));
  EXPECT_LT(r.elapsed, Ms(3500));
}

TEST(WaitServerAppears, ExitsZeroWithoutCommand) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1");
  Listener b("127.0.0.1");
  auto r = nbconnect(
      {"wait", "127.0.0.1:" + std::to_string(a.port()), "127.0.0.1:" + std::to_string(b.port())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_LT(r.elapsed, Ms(1000));
}

TEST(WaitServerAppears, CommandIsExecutedNotForked) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1");
  // Replacing the process (exec) makes the test the command's parent: signals sent to the
  // waiter's pid reach the command itself.
  auto r = nbconnect(
      {"wait", "-q", "127.0.0.1:" + std::to_string(a.port()), "--", "sh", "-c", "echo $PPID"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::to_string(::getpid()) + "\n");
}

TEST(WaitServerAppears, MissingCommandExits127) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1");
  auto r = nbconnect(
      {"wait", "-q", "127.0.0.1:" + std::to_string(a.port()), "--", "/nonexistent/command"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("/nonexistent/command"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nbc::test
