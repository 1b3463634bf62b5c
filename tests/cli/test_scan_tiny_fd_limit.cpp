// A descriptor limit too small for the thread count lowers the thread count: with RLIMIT_NOFILE
// at 5, a scan still finishes with the right answer, whatever --threads asks for.
#include <fcntl.h>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanTinyFdLimit, ThreadsFollowTheDescriptorLimit) {
  NBC_REQUIRE_NETNS();
  // Under 5 descriptors every inherited one counts: only stdin, stdout and stderr go to the scan
  // (a test runner may hand this process descriptors of its own).
  for (int fd = 3; fd < 1024; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  Listener open("127.0.0.1");
  ASSERT_TRUE(open.ok());
  std::string ports = std::to_string(closed_port()) + "," + std::to_string(open.port());
  for (std::vector<std::string> threads :
       {std::vector<std::string>{}, std::vector<std::string>{"--threads", "8"}}) {
    std::vector<std::string> argv = {
        "/usr/bin/prlimit", "--nofile=5:5", "--",  NBC_PROGRAM,     "scan",
        "127.0.0.1",        "-p",           ports, "--no-progress", "--csv"};
    argv.insert(argv.end(), threads.begin(), threads.end());
    SCOPED_TRACE(testing::PrintToString(argv));
    RunResult r = run_program(argv, std::chrono::seconds(20));
    ASSERT_FALSE(r.timed_out) << r.err;
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto probes = csv_probes(r.out);
    ASSERT_EQ(probes.size(), 2u) << r.out;
    EXPECT_EQ(probes.at({"127.0.0.1", open.port()}).at("state"), "open");
    EXPECT_EQ(probes.at({"127.0.0.1", std::stoi(ports)}).at("state"), "closed");
    EXPECT_LT(r.elapsed.count(), 5000);
  }
}

}  // namespace
}  // namespace nbc::test
