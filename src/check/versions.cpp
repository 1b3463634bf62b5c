// The versions of the libraries the checks run on, for `nbconnect --version` (check.hpp).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <pcre2.h>

#include <fmt/format.h>

#include "nbconnect/check.hpp"

namespace nbc {

std::string check_library_versions() {
  char pcre[64] = {};
  pcre2_config(PCRE2_CONFIG_VERSION, pcre);
  return fmt::format("TLS checks: {} (built with {}); patterns: PCRE2 {}",
                     OpenSSL_version(OPENSSL_VERSION), OPENSSL_VERSION_TEXT, pcre);
}

}  // namespace nbc
