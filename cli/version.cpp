// `nbconnect --version` (version.hpp). The build passes NBC_VERSION and, with io_uring compiled
// in, NBC_URING_VERSION (liburing's, from pkg-config); nbc_git_revision.hpp is written at every
// build (cmake/git_revision.cmake): git describe, or "unknown" outside a git checkout.
#include "version.hpp"

#include "nbc_git_revision.hpp"

#include <ares.h>
#include <fmt/format.h>

#include "nbconnect/nbconnect.hpp"

#ifndef NBC_VERSION
#define NBC_VERSION "unknown"
#endif
#ifndef NBC_GIT_REVISION
#define NBC_GIT_REVISION "unknown"
#endif

namespace nbc::cli {

std::string version_text() {
  std::string text = fmt::format("nbconnect {} (git {})\n", NBC_VERSION, NBC_GIT_REVISION);
  std::string backends;
  for (Backend b : {Backend::epoll, Backend::poll, Backend::select, Backend::uring}) {
    if (backend_available(b)) backends += fmt::format(" {}", to_string(b));
  }
  text += fmt::format("backends usable here:{}\n", backends);
#ifdef NBC_URING_VERSION
  // backend_available() asks the kernel: io_uring may be compiled in and still refused (an old
  // kernel, io_uring_disabled, a seccomp filter).
  text += fmt::format("io_uring connect: compiled in (liburing {}), {}\n", NBC_URING_VERSION,
                      backend_available(Backend::uring) ? "available on this kernel"
                                                        : "not available on this kernel");
#else
  text += "io_uring connect: not compiled in (built without liburing)\n";
#endif
  text += fmt::format("c-ares: {} (built with {})\n", ares_version(nullptr), ARES_VERSION_STR);
  text += check_library_versions();
  return text;
}

}  // namespace nbc::cli
