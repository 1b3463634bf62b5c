// Scan targets as the user writes them, turned into the engine's plan: words from the command
// line and -iL files, exclusions, name resolution, the ports of each group.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nbconnect/engine.hpp"

namespace nbc::cli {

// The largest number of addresses one scan accepts, over all targets.
inline constexpr std::size_t kMaxScanHosts = std::size_t{1} << 20;
// The longest line accepted in a target file.
inline constexpr std::size_t kMaxTargetLine = 4096;

struct TargetRequest;

// Reads the target words of a -iL file ("-" is stdin): whitespace-separated, '#' starts a
// comment, a UTF-8 byte-order mark at the start is skipped. Appends them to request.words, and
// where each came from to request.origins. Throws UsageError naming the file and line for an
// unreadable file, a NUL byte or a line longer than kMaxTargetLine.
void read_target_file(const std::string& path, TargetRequest& request);

// A name that did not resolve: its ports are reported as unresolved, never scanned.
struct Unresolved {
  std::string name;
  std::vector<std::uint16_t> ports;
  Reason reason = Reason::dns_error;
  std::string detail;
};

struct TargetRequest {
  std::vector<std::string> words;
  // Per word, where it came from ("target file 'F' line N"), "" or missing for the command line:
  // every error about a word from a file names the file and line.
  std::vector<std::string> origins;
  std::vector<std::string> excludes;  // each may hold several words separated by commas
  std::optional<std::vector<std::uint16_t>> ports;  // -p; required unless every word has a port
  bool ipv4_only = false;
  bool ipv6_only = false;
  std::vector<std::string> dns_servers;  // --dns-server words (checked); empty: resolv.conf
};

struct Targets {
  std::vector<ScanGroup> groups;
  std::vector<std::vector<std::string>> labels;  // per group and host: the word it came from
  std::vector<Unresolved> unresolved;
  std::size_t host_count = 0;  // distinct addresses to scan, over all groups
};

// Parses, resolves, excludes and groups the targets. Throws UsageError naming the bad word.
Targets build_targets(const TargetRequest& request);

}  // namespace nbc::cli
