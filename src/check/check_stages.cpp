// append_check_stages() and the names of check kinds and reasons (check.hpp).
#include "check/check_stages.hpp"

namespace nbc {

std::string_view to_string(CheckKind kind) {
  switch (kind) {
    case CheckKind::tls:
      return "tls";
    case CheckKind::expect:
      return "expect";
    case CheckKind::http:
      return "http";
  }
  return "";
}

std::string_view to_string(CheckReason reason) {
  switch (reason) {
#define NBC_CHECK_REASON_CASE(id, name) \
  case CheckReason::id:                 \
    return name;
    NBC_CHECK_REASON_MAP(NBC_CHECK_REASON_CASE)
#undef NBC_CHECK_REASON_CASE
  }
  return "";
}

}  // namespace nbc

namespace nbc::detail {

void append_check_stages(Stages& stages, const Endpoint& target, const CheckOptions& options,
                         const Tracer& trace) {
  if (!options.any()) return;
  auto session = std::make_shared<check::Session>(options, target, trace);
  if (options.tls) stages.push_back(check::make_tls_stage(session));
  if (options.http_path) {
    stages.push_back(check::make_http_stage(session));
  } else if (options.send || options.expect) {
    stages.push_back(check::make_expect_stage(session));
  }
}

}  // namespace nbc::detail
