// libFuzzer target for scan target words (address, CIDR, nmap range, name, HOST:PORT): a parsed
// spec stands for as many addresses as count() says (enumerated when small), each of which it
// contains; names stand for none; a refusal is a one-line message.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "nbconnect/scan_targets.hpp"

using nbc::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // An exclusion is never enumerated, so it has no size limit; anything a target word may be, an
  // exclusion may be too.
  auto exclude = nbc::parse_exclude_spec(text);
  if (!exclude) nbc::fuzz::check_message(exclude.error().message, text);
  auto spec = nbc::parse_target_spec(text);
  check(!spec || exclude.has_value(), "a target word is refused as an exclusion", text);
  if (!spec) {
    nbc::fuzz::check_message(spec.error().message, text);
    return 0;
  }
  if (spec->kind == nbc::TargetSpec::name) {
    check(spec->count() == 0, "a name stands for addresses", text);
    check(!spec->contains(spec->base), "a name contains an address", text);
    return 0;
  }
  check(spec->count() >= 1 && spec->count() <= nbc::kMaxTargetAddresses,
        "address count out of range", text);
  check(spec->contains(spec->base) || spec->kind == nbc::TargetSpec::range,
        "an address or block does not contain its base", text);
  if (spec->count() <= 4096) {
    std::uint64_t seen = 0;
    bool all_inside = true;
    spec->for_each([&](const nbc::Endpoint& e) {
      ++seen;
      all_inside = all_inside && spec->contains(e);
    });
    check(seen == spec->count(), "for_each and count() disagree", text);
    check(all_inside, "an enumerated address is not contained", text);
  }
  return 0;
}
