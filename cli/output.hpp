// Formatting of outcomes as text, and the program's two output streams. (JSON records and CSV
// rows are record_writer.hpp's.)
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "nbconnect/nbconnect.hpp"

namespace nbc::cli {

// "127.0.0.1:6779 closed (conn-refused: Connection refused) in 0.081 ms"; an outcome without an
// address (a name that did not resolve) is shown under `target` ("example.invalid:80").
std::string outcome_text(const Outcome& outcome, std::string_view target);

// "0.081 ms"
std::string format_ms(std::chrono::nanoseconds d);

// stdout carries the results. Writes never throw; the first failure is remembered, the rest of
// the output is dropped, and finish_stdout() turns it into one line on stderr and exit 74
// (kExitIoError). Callers that go on for long check flush_stdout() and stop when it fails.
void print_out(std::string_view text);
template <typename... Args>
void print_out(fmt::format_string<Args...> format, Args&&... args) {
  print_out(std::string_view(fmt::format(format, std::forward<Args>(args)...)));
}
// Flushes stdout; false once any write to it has failed. Thread-safe.
bool flush_stdout();
bool stdout_failed();
// Flushes stdout; when a write failed, says so on stderr and returns kExitIoError, else `code`.
int finish_stdout(int code);

// stderr carries diagnostics: each call is one write(2) of whole lines, so that lines from
// several threads never interleave. A failure is ignored: a diagnostic never changes the outcome.
void print_err(std::string_view text);
template <typename... Args>
void print_err(fmt::format_string<Args...> format, Args&&... args) {
  print_err(std::string_view(fmt::format(format, std::forward<Args>(args)...)));
}

}  // namespace nbc::cli
