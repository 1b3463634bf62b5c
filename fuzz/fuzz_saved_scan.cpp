// libFuzzer target for the NDJSON output that --resume and merge read back: any bytes give either
// a one-line message naming the file, or a plan (equal to itself, of this version) and records
// that each parse as JSON with a port 1-65535; a last line without its newline is never a record.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common.hpp"
#include "fuzz_check.hpp"
#include "resume.hpp"

using nbc::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    nbc::cli::SavedScan saved = nbc::cli::parse_saved_scan("--resume", "scan.ndjson", text);
    check(!saved.plans.empty(), "no plan, no error", text);
    check(nbc::cli::number_field(saved.plans.front(), "version") == nbc::cli::kPlanVersion,
          "a plan of another version accepted", text);
    for (const auto& plan : saved.plans) {
      check(nbc::cli::plan_difference(plan, saved.plans.front(), false, "a", "b").empty(),
            "two plans in one file differ", text);
    }
    bool cut = !text.empty() && text.back() != '\n';
    check(saved.truncated == cut, "a cut last line not noticed", text);
    const auto whole_lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    for (const auto& r : saved.records) {
      check(r.port >= 1, "port 0", text);
      check(text.find(r.line) != std::string_view::npos, "a record that is not in the file", text);
      check(r.line.find('\n') == std::string::npos, "a record of two lines", text);
      check(r.line_number <= whole_lines, "the cut last line read as a record", text);
      auto j = nlohmann::json::parse(r.line, nullptr, false);
      check(!j.is_discarded() && j.contains("port"), "a record that is not JSON", text);
    }
  } catch (const nbc::cli::UsageError& e) {
    nbc::fuzz::check_message(e.what(), text);
  }
  return 0;
}
