// Exclusions are never enumerated, so the size limit of a target block does not apply to them:
// --exclude 0.0.0.0/0 and ::/0 are accepted and leave nothing to scan.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanExcludeEverything, WholeAddressSpaceCanBeExcluded) {
  RunResult v4 = scan({"127.0.0.1", "-p", "80", "--exclude", "0.0.0.0/0", "--no-progress"});
  EXPECT_EQ(v4.exit_code, 0) << v4.err;
  EXPECT_NE(v4.out.find("0 ports on 0 hosts"), std::string::npos) << v4.out;
  RunResult v6 = scan(
      {"::1", "127.0.0.1", "-p", "80", "--exclude", "::/0,0.0.0.0/1,128.0.0.0/1", "--no-progress"});
  EXPECT_EQ(v6.exit_code, 0) << v6.err;
  EXPECT_NE(v6.out.find("0 ports on 0 hosts"), std::string::npos) << v6.out;
  // A target block is still limited.
  expect_usage_error(scan({"10.0.0.0/8", "-p", "80"}), "10.0.0.0/8");
}

}  // namespace
}  // namespace nbc::test
