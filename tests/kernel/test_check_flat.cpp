// Descriptors and memory stay flat over many checks: 10,000 expect checks against a local
// banner server, and TLS checks (each with its own SSL object and session) against a TLS one.
#include <cstdio>
#include <fstream>

#include "check_support.hpp"

namespace nbc::test {
namespace {

// Under ASan the freed memory waits in its quarantine (up to 256 MB), so RSS grows whatever the
// code does; leaks are LeakSanitizer's job there. The normal build compares RSS.
void expect_flat_rss(long before_kb, long after_kb) {
#if defined(__SANITIZE_ADDRESS__)
  std::printf("[ note ] RSS not compared under ASan (quarantine): %ld kB -> %ld kB\n", before_kb,
              after_kb);
#else
  EXPECT_LT(after_kb - before_kb, 2048)
      << "RSS before " << before_kb << " kB, after " << after_kb << " kB";
#endif
}

long rss_kb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

TEST(CheckFlat, TenThousandExpectChecks) {
  NBC_REQUIRE_NETNS();
  CheckServer s({"banner", "SSH-2.0-flat\\r\\n"});
  ASSERT_TRUE(s.ok());
  CheckOptions o;
  o.expect = "^SSH-2\\.0-";
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(run_check(o, s.port(), Backend::epoll).ran);
  int fds = open_fd_count();
  long rss = rss_kb();
  int passed = 0;
  for (int i = 0; i < 10000; ++i) {
    CheckRun run = run_check(o, s.port(), Backend::epoll);
    passed += run.outcome.check && run.outcome.check->ok;
  }
  EXPECT_EQ(passed, 10000);
  EXPECT_EQ(open_fd_count(), fds);
  expect_flat_rss(rss, rss_kb());
}

TEST(CheckFlat, TlsChecks) {
  NBC_REQUIRE_NETNS();
  ASSERT_TRUE(test_certs().ok);
  CheckServer s({"tls-banner", test_certs().valid, test_certs().key, "ok\\n"});
  ASSERT_TRUE(s.ok());
  CheckOptions o;
  o.tls = true;
  o.ca_file = test_certs().ca;
  o.expect = "ok";
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(run_check(o, s.port(), Backend::epoll).ran);
  int fds = open_fd_count();
  long rss = rss_kb();
  int passed = 0;
  for (int i = 0; i < 100; ++i) {
    CheckRun run = run_check(o, s.port(), Backend::epoll);
    passed += run.outcome.check && run.outcome.check->ok;
  }
  EXPECT_EQ(passed, 100);
  EXPECT_EQ(open_fd_count(), fds);
  expect_flat_rss(rss, rss_kb());
}

}  // namespace
}  // namespace nbc::test
