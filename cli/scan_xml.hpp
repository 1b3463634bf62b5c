// Where a scan's XML goes: the options --xml (stdout instead of the table) and -oX FILE (a file,
// while stdout keeps its normal output; `-oX -` is stdout), checked before anything is scanned.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace nbc::cli {

struct XmlOptions {
  bool to_stdout = false;  // --xml
  std::string file;        // -oX FILE (spelled --oX for CLI11); "-" is stdout
};

// Adds --xml and --oX FILE (the scan's parser turns nmap's -oX into --oX).
void add_xml_options(CLI::App& app, XmlOptions& options);

class XmlSink {
 public:
  // Checks the options against the other outputs on stdout; throws UsageError.
  XmlSink(const XmlOptions& options, bool json, bool csv);
  XmlSink(const XmlSink&) = delete;
  XmlSink& operator=(const XmlSink&) = delete;
  ~XmlSink();

  bool wanted() const { return wanted_; }
  // The XML takes stdout's place: no table there, the summary goes to stderr.
  bool on_stdout() const { return on_stdout_; }

  // Opens (creates or truncates) the file, once every word is known to be good and before the
  // first probe: a path that cannot be written is a UsageError naming it, and nothing is scanned.
  void open();

  // Writes the whole document; false after saying on stderr why it could not be written (the
  // caller exits 74). On stdout, a failure is stdout's own (print_out, finish_stdout).
  bool write(const std::string& document);

 private:
  bool wanted_ = false;
  bool on_stdout_ = false;
  std::string path_;
  int fd_ = -1;
};

}  // namespace nbc::cli
