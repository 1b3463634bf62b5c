// At a low rate, --json and --csv records reach stdout as they finish (flushed at least every
// 200 ms), not when 64 KiB have piled up: `scan --rate 50 --json | head -1` answers at once.
#include <algorithm>

#include "live_program.hpp"
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

std::size_t count_of_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Milliseconds from start until the first whole record line (after the CSV header).
long first_record_ms(const std::string& format, std::size_t header_lines) {
  auto started = LiveProgram::Clock::now();
  LiveProgram p(
      {NBC_PROGRAM, "scan", "127.0.0.1", "-p", "1-2000", "--rate", "50", format, "--no-progress"});
  EXPECT_TRUE(p.started());
  bool seen =
      p.read_until([&] { return count_of_lines(p.out) > header_lines; }, std::chrono::seconds(5));
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(LiveProgram::Clock::now() - started)
          .count();
  EXPECT_TRUE(seen) << "no record within 5 s";
  return ms;
}

TEST(ScanStreamsRecords, JsonAtFiftyPerSecond) {
  NBC_REQUIRE_NETNS();
  EXPECT_LT(first_record_ms("--json", 1), 1500);  // after the plan line
}

TEST(ScanStreamsRecords, CsvAtFiftyPerSecond) {
  NBC_REQUIRE_NETNS();
  EXPECT_LT(first_record_ms("--csv", 1), 1500);
}

}  // namespace
}  // namespace nbc::test
