// Killing `nbconnect lab` (even with SIGKILL) takes its measuring processes with it: none keeps
// measuring for seconds after the parent is gone.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cli/cli.hpp"

namespace nbc::test {
namespace {

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::ifstream f("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child;
  while (f >> child) out.push_back(child);
  return out;
}

TEST(LabParentKilled, MeasuringProcessesDieWithIt) {
  NBC_REQUIRE_NETNS();
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  pid_t parent = ::fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    ::dup2(out[1], 1);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    // syn-dropped waits out --wait: the measuring process is busy for seconds after "listening".
    ::execl(NBC_PROGRAM, NBC_PROGRAM, "lab", "--json", "--wait", "5s", "--scenario", "listening",
            "syn-dropped", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  // The first record is out: the measuring process is now on the slow scenario.
  pollfd pf{out[0], POLLIN, 0};
  ASSERT_EQ(::poll(&pf, 1, 30000), 1) << "no record from the lab";
  std::vector<pid_t> measuring = children_of(parent);
  ASSERT_FALSE(measuring.empty());
  std::vector<int> pidfds;
  for (pid_t pid : measuring) {
    for (pid_t grandchild : children_of(pid)) measuring.push_back(grandchild);
  }
  for (pid_t pid : measuring) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd >= 0) pidfds.push_back(fd);
  }
  ASSERT_FALSE(pidfds.empty());

  ::kill(parent, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(parent, &status, 0), parent);

  // Each one must be gone well before the 5 s it would have spent measuring.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (int fd : pidfds) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::max<long>(0, left.count())));
    EXPECT_EQ(ready, 1) << "a measuring process outlived the killed lab";
    if (ready != 1) ::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
    ::close(fd);
  }
  ::close(out[0]);
}

}  // namespace
}  // namespace nbc::test
