// Pattern (pattern.hpp) over PCRE2's 8-bit library, and check_pattern_error() (check.hpp).
#define PCRE2_CODE_UNIT_WIDTH 8
#include "check/pattern.hpp"

#include <pcre2.h>

#include "nbconnect/check.hpp"

namespace nbc::detail::check {

Pattern::Pattern(std::string_view pattern, std::string& error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0, &code,
                        &offset, nullptr);
  if (!code_) {
    PCRE2_UCHAR text[256];
    pcre2_get_error_message(code, text, sizeof text);
    error = std::string(reinterpret_cast<char*>(text)) + " at offset " + std::to_string(offset);
    return;
  }
  match_ = pcre2_match_data_create_from_pattern(code_, nullptr);
  context_ = pcre2_match_context_create(nullptr);
  // Bounds on the matcher's work per call: a backtracking pattern on 64 KiB fails instead of
  // running for minutes.
  pcre2_set_match_limit(context_, 1'000'000);
  pcre2_set_depth_limit(context_, 10'000);
}

Pattern::~Pattern() {
  pcre2_match_context_free(context_);
  pcre2_match_data_free(match_);
  pcre2_code_free(code_);
}

bool Pattern::matches(std::string_view data) const {
  if (!code_) return false;
  int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(data.data()), data.size(), 0, 0, match_,
                       context_);
  return rc >= 0;
}

}  // namespace nbc::detail::check

namespace nbc {

std::string check_pattern_error(std::string_view pattern) {
  std::string error;
  detail::check::Pattern p(pattern, error);
  return error;
}

}  // namespace nbc
