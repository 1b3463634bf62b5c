// Descriptors and memory stay flat over many checks: 10,000 expect checks against a local
// banner server, and TLS checks (each with its own SSL object and session) against a TLS one.
#include <fstream>

#include "check_support.hpp"

namespace nbc::test {
namespace {

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
  EXPECT_LT(rss_kb() - rss, 2048) << "RSS before " << rss << " kB, after " << rss_kb() << " kB";
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
  EXPECT_LT(rss_kb() - rss, 2048) << "RSS before " << rss << " kB, after " << rss_kb() << " kB";
}

}  // namespace
}  // namespace nbc::test
