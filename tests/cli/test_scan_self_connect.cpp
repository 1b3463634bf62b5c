// The whole ephemeral range on an address where nothing listens, twice: a socket that connects to
// itself (TCP simultaneous open) must never be reported open.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanSelfConnect, EphemeralRangeTwiceHasNoOpenPort) {
  NBC_REQUIRE_NETNS();
  for (int round = 0; round < 2; ++round) {
    RunResult r = scan({"127.0.0.1", "-p", "32768-60999", "--csv", "--no-progress"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto probes = csv_probes(r.out);
    ASSERT_EQ(probes.size(), 60999u - 32768u + 1u);
    for (const auto& [key, rec] : probes) {
      ASSERT_EQ(rec.at("state"), "closed") << describe(rec);
    }
  }
}

}  // namespace
}  // namespace nbc::test
