// With --json, a scan keeps nothing per open port: records are streamed, and the SYN-proxy check
// needs only a count per host. Two hosts with every port open peak at the memory of one.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

// Accepts and closes connections until stopped, so that the listen queue never fills.
class Acceptor {
 public:
  explicit Acceptor(Listener& listener)
      : thread_([this, fd = listener.fd()] {
          ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);  // accept() ends when empty
          while (!stop_.load()) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            for (int i = 0; i < 1024; ++i) {
              int c = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
              if (c < 0) break;
              ::close(c);
            }
          }
        }) {}
  ~Acceptor() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct Peak {
  long rss_kb = 0;
  std::size_t open = 0;
  std::size_t records = 0;
};

// Peak RSS as GNU time measures it: time forks its own small process to run the scan. (A child
// spawned from this test would be charged this process's peak too: a vfork child's exec records
// the parent's high-water mark.)
Peak scan_peak(const std::string& hosts) {
  std::string report = ::testing::TempDir() + "nbc_scan_peak_rss";
  RunResult r = run_program(
      {"/usr/bin/time", "-f", "%M", "-o", report, NBC_PROGRAM, "scan", hosts, "-p", "1-40000",
       "--json", "--threads", "1", "-c", "256", "--retries", "0", "--no-progress", "--no-canary"},
      std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Peak peak;
  std::ifstream in(report);
  in >> peak.rss_kb;
  for (std::size_t at = r.out.find("\"state\":\"open\""); at != std::string::npos;
       at = r.out.find("\"state\":\"open\"", at + 1)) {
    ++peak.open;
  }
  // Every line but the plan line that opens the output.
  peak.records = static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n')) -
                 (r.out.starts_with("{\"plan\":") ? 1 : 0);
  return peak;
}

TEST(ScanMemoryFlat, TwiceTheOpenPortsSamePeak) {
  NBC_REQUIRE_NETNS();
#if defined(__SANITIZE_ADDRESS__)
  // ASan keeps freed memory in quarantine (hundreds of MiB here): a peak says nothing then.
  GTEST_SKIP() << "peak memory is not measurable under AddressSanitizer (its quarantine)";
#endif
  if (::access("/usr/bin/time", X_OK) != 0) GTEST_SKIP() << "needs GNU time (/usr/bin/time)";
  Listener listener("0.0.0.0", 0, 4096);
  ASSERT_TRUE(listener.ok());
  Acceptor acceptor(listener);
  NBC_REQUIRE_IPTABLES("-t nat -A OUTPUT -p tcp -d 127.0.0.2/31 -j REDIRECT --to-ports " +
                       std::to_string(listener.port()));
  Peak one = scan_peak("127.0.0.2");
  Peak two = scan_peak("127.0.0.2-3");
  std::printf("peak RSS: 1 host %ld KiB, 2 hosts %ld KiB\n", one.rss_kb, two.rss_kb);
  EXPECT_EQ(one.records, 40000u);
  EXPECT_EQ(two.records, 80000u);
  ASSERT_GT(two.open, 79000u) << "the redirect did not make the ports open";
  ASSERT_GT(one.rss_kb, 0);
  // 40,000 more rows kept would be 1.25 MiB and more (measured: 1.8 MiB); streamed, under 0.1.
  EXPECT_LT(two.rss_kb - one.rss_kb, 768);
}

}  // namespace
}  // namespace nbc::test
