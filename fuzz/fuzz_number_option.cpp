// libFuzzer target for the CLI's number parsers (every numeric option): number_option accepts
// exactly the plain whole numbers within its bounds and decimal_option exactly the plain decimals
// (digits, at most one point with digits after it) within its bounds; both give back the value and
// refuse anything else with a one-line message naming the option and the word.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common.hpp"
#include "fuzz_check.hpp"

using nbc::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte picks the bounds, the rest is the word.
  static constexpr std::uint64_t kMax[] = {1, 100, 65535, 10000000, ~std::uint64_t{0}};
  std::uint64_t min = data[0] & 1;
  std::uint64_t max = kMax[(data[0] >> 1) % 5];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  bool plain = !text.empty() && text.size() <= 20 &&
               text.find_first_not_of("0123456789") == std::string::npos;
  try {
    std::uint64_t value = nbc::cli::number_option("--n", text, min, max);
    check(plain, "a word that is not a plain decimal number was accepted", text);
    check(value >= min && value <= max, "a value out of bounds was accepted", text);
    // Leading zeros aside, the value is the word.
    std::string digits = text.substr(std::min(text.find_first_not_of('0'), text.size() - 1));
    check(std::to_string(value) == digits, "the value is not the word", text);
  } catch (const nbc::cli::UsageError& e) {
    nbc::fuzz::check_message(e.what(), text);
    check(std::string(e.what()).find("--n") != std::string::npos, "the option is not named", text);
  }
  std::size_t point = text.find('.');
  bool decimal = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos &&
                 text.find('.', point + (point != std::string::npos)) == std::string::npos &&
                 text != "." && (point == std::string::npos || point + 1 < text.size());
  try {
    double value = nbc::cli::decimal_option("--d", text, 0.01, 1e9);
    check(decimal, "a word that is not a plain decimal was accepted", text);
    check(value >= 0.01 && value <= 1e9, "a decimal out of bounds was accepted", text);
  } catch (const nbc::cli::UsageError& e) {
    nbc::fuzz::check_message(e.what(), text);
    check(std::string(e.what()).find("--d") != std::string::npos, "the option is not named", text);
  }
  return 0;
}
