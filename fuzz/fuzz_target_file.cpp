// libFuzzer target for -iL target files: any bytes give either words (no whitespace inside, no
// comment text, nothing longer than a line, each with its file and line) or
// a one-line message naming the file.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common.hpp"
#include "fuzz_check.hpp"
#include "targets.hpp"

using nbc::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The file is a memfd: no disk, and the path is a real one that fopen() opens.
  int fd = ::memfd_create("targets", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (::write(fd, data, size) != static_cast<ssize_t>(size)) {
    ::close(fd);
    return 0;
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    nbc::cli::TargetRequest request;
    nbc::cli::read_target_file(path, request);
    check(request.origins.size() == request.words.size(), "a word without its file and line", text);
    for (const std::string& w : request.words) {
      check(!w.empty(), "an empty word", text);
      check(w.find_first_of(" \t\n\r\v\f#") == std::string::npos, "a word holds a separator", text);
      check(w.size() < nbc::cli::kMaxTargetLine, "a word longer than a line", text);
      check(text.find(w) != std::string_view::npos, "a word that is not in the file", text);
    }
  } catch (const nbc::cli::UsageError& e) {
    nbc::fuzz::check_message(e.what(), text);
  }
  ::close(fd);
  return 0;
}
