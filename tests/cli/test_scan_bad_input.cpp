// Bad input of every kind: one stderr line naming the bad word, exit 64, nothing scanned.
#include <poll.h>

#include <fstream>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanBadInput, BadWordsAreNamed) {
  struct Case {
    std::vector<std::string> args;
    std::string word;
  };
  const std::vector<Case> cases = {
      {{"10.0.0.300", "-p", "80"}, "10.0.0.300"},
      {{"127.0.0.1", "-p", "0"}, "0"},
      {{"127.0.0.1", "-p", "70000"}, "70000"},
      {{"127.0.0.1", "-p", "90-80"}, "90-80"},
      {{"127.0.0.1", "-p", "80,,81"}, "80,,81"},
      {{"127.0.0.1", "-p", "http"}, "http"},
      {{"10.0.0.0/8", "-p", "80"}, "10.0.0.0/8"},
      {{"10.0.0.0/33", "-p", "80"}, "33"},
      {{"fe80::/64", "-p", "80"}, "fe80::/64"},
      {{"10.0.0.1-300", "-p", "80"}, "10.0.0.1-300"},
      {{"10.0.0.9-2", "-p", "80"}, "9-2"},
      {{"[::1]80", "-p", "80"}, "[::1]80"},
      {{"127.0.0.1:0"}, "0"},
      {{"127.0.0.1", "-p", "80", "--top-ports", "10"}, "--top-ports"},
      {{"127.0.0.1", "--top-ports", "0"}, "'0'"},
      {{"127.0.0.1", "-p", "80", "--shard", "3/2"}, "3/2"},
      {{"127.0.0.1", "-p", "80", "--shard", "a/b"}, "a/b"},
      {{"127.0.0.1", "-p", "80", "--order", "sideways"}, "sideways"},
      {{"127.0.0.1", "-p", "80", "--rate", "fast"}, "fast"},
      {{"127.0.0.1", "-p", "80", "-c", "-5"}, "-5"},
      {{"127.0.0.1", "-p", "80", "--retries", "x"}, "x"},
      {{"127.0.0.1", "-p", "80", "--exclude", "10.0.0.999"}, "10.0.0.999"},
      {{"127.0.0.1", "-p", "80", "-t", "soon"}, "soon"},
      {{"-iL", "/nonexistent/targets.txt", "-p", "80"}, "/nonexistent/targets.txt"},
      {{"127.0.0.1", "-p", "80", "--bogus"}, "--bogus"},
      {{"::1", "-4", "-p", "80"}, "::1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c.args));
    expect_usage_error(scan(c.args), c.word);
  }
}

TEST(ScanBadInput, NothingIsScannedWhenOneWordIsBad) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  std::string good = "127.0.0.1:" + std::to_string(listener.port());
  expect_usage_error(scan({good, "127.0.0.1:99999"}), "99999");
  // Had the good target been probed, its handshake would wait in the accept queue.
  pollfd p{listener.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "a connection was made";
}

TEST(ScanBadInput, TargetFileWithLongLineOrNulByte) {
  std::string long_path = testing::TempDir() + "nbconnect_long_line.txt";
  {
    std::ofstream f(long_path);
    f << "127.0.0.1\n" << std::string(1 << 20, 'a') << "\n";
  }
  RunResult r = scan({"-iL", long_path, "-p", "80"});
  expect_usage_error(r, "line 2");
  EXPECT_LT(r.err.size(), 300u);
  std::string nul_path = testing::TempDir() + "nbconnect_nul.txt";
  {
    std::ofstream f(nul_path, std::ios::binary);
    f << "127.0.0.1\n127.0.0.2\n12" << '\0' << "7.0.0.3\n";
  }
  expect_usage_error(scan({"-iL", nul_path, "-p", "80"}), "line 3");
  std::string bad_word_path = testing::TempDir() + "nbconnect_bad_word.txt";
  {
    std::ofstream f(bad_word_path);
    f << "127.0.0.1\nnot..a..host\n";
  }
  expect_usage_error(scan({"-iL", bad_word_path, "-p", "80"}), "not..a..host");
  std::remove(long_path.c_str());
  std::remove(nul_path.c_str());
  std::remove(bad_word_path.c_str());
}

}  // namespace
}  // namespace nbc::test
