// Outcomes as text lines; stdout and stderr (output.hpp).
#include "output.hpp"

#include <unistd.h>
#include "common.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "check_options.hpp"
#include "exit_code.hpp"

namespace nbc::cli {

std::string format_ms(std::chrono::nanoseconds d) {
  return fmt::format("{:.3f} ms", to_ms(d));
}

std::string outcome_text(const Outcome& o, std::string_view target) {
  std::string where = o.peer.empty() ? std::string(target) : o.peer.to_string();
  if (o.protocol == Protocol::udp) where += "/udp";  // as nmap writes "53/udp"
  if (!o.proxy.empty()) where += " via " + o.proxy;
  std::string why = o.reason_name();
  if (o.error != 0) why += fmt::format(": {}", std::strerror(o.error));
  if (!o.detail.empty()) why += fmt::format(": {}", o.detail);
  std::string text =
      fmt::format("{} {} ({}) in {}", where, to_string(o.state), why, format_ms(o.rtt));
  if (o.check) text += check_text(*o.check);
  return text;
}

namespace {

// The errno of the first failed write to stdout, or 0.
std::atomic<int> g_stdout_error{0};

void stdout_failed_with(int err) {
  int none = 0;
  g_stdout_error.compare_exchange_strong(none, err != 0 ? err : EIO);
}

}  // namespace

void print_out(std::string_view text) {
  if (g_stdout_error.load(std::memory_order_relaxed) != 0 || text.empty()) return;
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::ferror(stdout)) {
    stdout_failed_with(errno);
  }
}

bool flush_stdout() {
  if (g_stdout_error.load() != 0) return false;
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) stdout_failed_with(errno);
  return g_stdout_error.load() == 0;
}

bool stdout_failed() {
  return g_stdout_error.load() != 0;
}

int finish_stdout(int code) {
  if (flush_stdout()) return code;
  print_err("nbconnect: cannot write to stdout: {}\n", std::strerror(g_stdout_error.load()));
  return kExitIoError;
}

void print_err(std::string_view text) {
  // Straight to the descriptor (stderr is unbuffered anyway): one write for the whole text.
  while (!text.empty()) {
    ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace nbc::cli
