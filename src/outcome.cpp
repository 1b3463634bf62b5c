// Outcome names, the errno classification from errno_table.hpp, and std::error_code interop.
#include "nbconnect/outcome.hpp"

#include <string.h>

#include <cctype>

#include "errno_table.hpp"

namespace nbc {

std::string_view to_string(State state) {
  switch (state) {
    case State::open:
      return "open";
    case State::closed:
      return "closed";
    case State::filtered:
      return "filtered";
    case State::error:
      return "error";
    case State::unresolved:
      return "unresolved";
    case State::open_filtered:
      return "open|filtered";
  }
  return "error";
}

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::socket:
      return "socket";
    case Phase::connect:
      return "connect";
    case Phase::completion:
      return "completion";
    case Phase::deadline:
      return "deadline";
    case Phase::resolve:
      return "resolve";
    case Phase::proxy:
      return "proxy";
  }
  return "socket";
}

std::string_view errno_name(int err) {
  switch (err) {
#define NBC_ERRNO_NAME(name, state, reason) \
  case name:                                \
    return #name;
    NBC_ERRNO_MAP(NBC_ERRNO_NAME)
#undef NBC_ERRNO_NAME
    default:
      break;
  }
  if (err <= 0) return {};
  // glibc knows the rest of the names.
  const char* name = strerrorname_np(err);
  return name ? std::string_view(name) : std::string_view();
}

Classification classify_errno(int err) {
  switch (err) {
#define NBC_ERRNO_CLASS(name, st, why) \
  case name:                           \
    return {State::st, Reason::why};
    NBC_ERRNO_MAP(NBC_ERRNO_CLASS)
#undef NBC_ERRNO_CLASS
    default:
      return {State::error, Reason::other_errno};
  }
}

bool is_local_error(int err) {
  return classify_errno(err).reason == Reason::local_resources;
}

std::string reason_name(Reason reason, int err, int proxy_status) {
  if (reason == Reason::proxy_http && proxy_status > 0) {
    return "proxy-http-" + std::to_string(proxy_status);
  }
  switch (reason) {
#define NBC_REASON_NAME(id, name)                       \
  case Reason::id:                                      \
    if (Reason::id != Reason::other_errno) return name; \
    break;
    NBC_REASON_MAP(NBC_REASON_NAME)
#undef NBC_REASON_NAME
  }
  std::string name(errno_name(err));
  if (name.empty()) return err ? "errno-" + std::to_string(err) : "unknown";
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string OutcomeFacts::reason_name() const {
  return nbc::reason_name(reason, error, proxy_status);
}

namespace {
class ReasonCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "nbconnect"; }
  std::string message(int value) const override {
    return nbc::reason_name(static_cast<Reason>(value), 0);
  }
};
}  // namespace

const std::error_category& reason_category() {
  static const ReasonCategory category;
  return category;
}

std::error_code make_error_code(Reason reason) {
  return {static_cast<int>(reason), reason_category()};
}

}  // namespace nbc
