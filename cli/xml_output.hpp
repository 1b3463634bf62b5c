// A scan as nmap-compatible XML: an `nmaprun` document (xmloutputversion 1.05) that nmap's own
// tools read (ndiff compares it with nmap's). Built after the scan from what ScanOutput kept: the
// non-closed rows, a few closed rows, and the counts per host (docs/outcomes.md, the XML section).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "scan_output.hpp"
#include "targets.hpp"

namespace nbc::cli {

// What the document says about the run itself.
struct XmlRun {
  std::string args;     // the command line, for nmaprun's args
  std::string version;  // nbconnect's version
  std::chrono::system_clock::time_point start;
  std::chrono::system_clock::time_point end;
  double elapsed_seconds = 0;
  std::string summary;      // the scan's summary line, without its newline
  std::string interrupted;  // "" when the scan ran to its end, else why it stopped early
  bool open_only = false;   // --open: only open ports one by one, every other state counted
  bool udp = false;         // --udp: nmap's -sU document (protocol "udp", open|filtered)
};

// The whole document, ending in a newline.
std::string xml_document(const XmlRun& run, const Targets& targets, const std::vector<Row>& rows,
                         const std::vector<Row>& closed_rows,
                         const std::vector<HostCounts>& counts);

// Appends `text` escaped for an attribute value in double quotes: & < > " as entities, tab, line
// feed and carriage return as character references (so that a parser does not fold them into
// spaces), every character XML 1.0 forbids (the other C0 controls, U+FFFE, U+FFFF) and every
// byte that does not begin a valid UTF-8 sequence as U+FFFD.
void append_xml_attribute(std::string& out, std::string_view text);

// What an XML parser reads back from append_xml_attribute(text): `text` with the forbidden
// characters and the invalid bytes replaced by U+FFFD (UTF-8).
std::string xml_clean(std::string_view text);

// True when a scan target's label is a host name (not an address, block or range), so that the
// document names it as nmap does (<hostname type="user">).
bool label_is_host_name(std::string_view label);

}  // namespace nbc::cli
