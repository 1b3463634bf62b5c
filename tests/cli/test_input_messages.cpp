// Messages for input mistakes say what is wrong: an unknown IPv6 zone is named as such,
// `nbconnect -h scan` shows scan's options, and -iL errors name the file and line (a UTF-8
// byte-order mark at the start of the file is accepted).
#include <fstream>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(InputMessages, UnknownIpv6Zone) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"scan", "fe80::1%nosuchif0", "-p", "80"},
        std::vector<std::string>{"wait", "-t", "1s", "fe80::1%nosuchif0:80"},
        std::vector<std::string>{"check", "fe80::1%nosuchif0:80"}}) {
    SCOPED_TRACE(testing::PrintToString(args));
    RunResult r = nbconnect(args, std::chrono::seconds(10));
    expect_usage_error(r, "nosuchif0");
    EXPECT_NE(r.err.find("unknown interface"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("too many ':'"), std::string::npos) << r.err;
  }
}

TEST(InputMessages, HelpBeforeTheCommandShowsItsOptions) {
  RunResult r = nbconnect({"-h", "scan"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--rate"), std::string::npos) << r.out;
  RunResult p = nbconnect({"--help", "ping"});
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("--interval"), std::string::npos) << p.out;
}

TEST(InputMessages, TargetFileErrorsNameFileAndLine) {
  std::string path = testing::TempDir() + "nbconnect_messages.txt";
  {
    std::ofstream f(path, std::ios::binary);
    f << "\xEF\xBB\xBF"
      << "127.0.0.1\n# a comment\n\n  10.0.0.1 not..a..host\n";
  }
  RunResult r = scan({"-iL", path, "-p", "80"});
  expect_usage_error(r, "not..a..host");
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 4"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("\xEF\xBB\xBF"), std::string::npos) << r.err;

  // The mark alone is accepted: the first word is read as written.
  {
    std::ofstream f(path, std::ios::binary);
    f << "\xEF\xBB\xBF"
      << "127.0.0.1\n";
  }
  RunResult ok = scan({"-iL", path, "-p", "80", "--exclude", "127.0.0.1", "--no-progress"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;

  // Every target-file error names file and line, including those found after reading.
  {
    std::ofstream f(path, std::ios::binary);
    f << "127.0.0.1\n::1\n";
  }
  RunResult family = scan({"-iL", path, "-p", "80", "-4"});
  expect_usage_error(family, "::1");
  EXPECT_NE(family.err.find("line 2"), std::string::npos) << family.err;
  std::remove(path.c_str());
}

}  // namespace
}  // namespace nbc::test
