// Under an address-space limit (ulimit -v, here prlimit --as): a scan thread that cannot start
// leaves its share to the threads that did, none at all is one clear line, and the allocator does
// not fall back to an mmap per allocation (glibc's per-thread arenas, 64 MB of address space
// each, are what runs out first).
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

// AddressSanitizer reserves terabytes of address space: no limit can be tried under it.
#if defined(__SANITIZE_ADDRESS__)
#define NBC_REQUIRE_NO_ASAN() GTEST_SKIP() << "AddressSanitizer needs an unlimited address space"
#else
#define NBC_REQUIRE_NO_ASAN() (void)0
#endif

// A thread's stack is RLIMIT_STACK (glibc), mapped when it starts: with 256 MB stacks, a 400 MB
// address space holds the program and one thread, not two; 200 MB holds no thread.
std::vector<std::string> limited(const std::string& as, const std::string& stack,
                                 std::vector<std::string> args) {
  std::vector<std::string> v = {"/usr/bin/prlimit", "--as=" + as, "--stack=" + stack, "--",
                                NBC_PROGRAM};
  v.insert(v.end(), args.begin(), args.end());
  return v;
}

TEST(ScanAddressSpaceLimit, ThreadsThatCannotStartLeaveTheirShareToTheOthers) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_NO_ASAN();
  Listener a("127.0.0.1", 1000);
  ASSERT_TRUE(a.ok());
  RunResult r = run_program(limited(
      "400000000", "268435456",
      {"scan", "127.0.0.1", "-p", "1-2000", "--threads", "4", "--csv", "--no-progress", "-v"}));
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
  auto probes = csv_probes(r.out);
  ASSERT_EQ(probes.size(), 2000u);
  for (const auto& [key, rec] : probes) {
    ASSERT_EQ(rec.at("state"), key.second == 1000 ? "open" : "closed") << describe(rec);
  }
  EXPECT_NE(r.err.find("could start"), std::string::npos) << r.err.substr(0, 2000);
}

TEST(ScanAddressSpaceLimit, NoThreadAtAllIsOneClearLine) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_NO_ASAN();
  RunResult r = run_program(
      limited("200000000", "268435456", {"scan", "127.0.0.1", "-p", "1-100", "--no-progress"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_GT(r.exit_code, 0) << "killed by a signal: " << r.err;
  EXPECT_EQ(r.out, "");
  auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_NE(r.err.find("cannot start a thread"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ulimit -v"), std::string::npos) << r.err;
}

TEST(ScanAddressSpaceLimit, NoSlowdownWhenArenasDoNotFit) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_NO_ASAN();
  // 64 MB: the program and two 8 MB thread stacks fit, a 64 MB arena per thread does not. With
  // one arena per thread, every allocation of a scan thread became an mmap of its own (80x).
  auto started = std::chrono::steady_clock::now();
  RunResult r = run_program(
      limited("64000000", "8388608",
              {"scan", "127.0.0.1", "-p", "1-20000", "--threads", "2", "--json", "--no-progress"}));
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
  EXPECT_GE(lines_of(r.out).size(), 20000u);
  // About a second here; 30 s and more before.
  EXPECT_LT(took, std::chrono::seconds(12));
}

}  // namespace
}  // namespace nbc::test
