// The --expect pattern: a PCRE2 regular expression matched against bytes (binary-safe, with a
// length), with limits on the matcher's work so that a hostile pattern or input stays bounded.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;

namespace nbc::detail::check {

class Pattern {
 public:
  // Compiles `pattern`; on failure `error` says why ("missing closing parenthesis at 3").
  Pattern(std::string_view pattern, std::string& error);
  ~Pattern();
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;

  bool ok() const { return code_ != nullptr; }
  // Whether the pattern matches somewhere in data.
  bool matches(std::string_view data) const;

 private:
  pcre2_real_code_8* code_ = nullptr;
  pcre2_real_match_data_8* match_ = nullptr;
  pcre2_real_match_context_8* context_ = nullptr;
};

}  // namespace nbc::detail::check
