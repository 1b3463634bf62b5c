// libFuzzer target for the XML writer: a scan document whose command line, host labels and
// unresolved name are any bytes (invalid UTF-8, control characters, markup) is well-formed XML that
// a real parser (expat) reads back, with every such string as xml_clean() says and the ports as
// written; xml_clean() keeps valid text unchanged and is idempotent.
#include <expat.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "xml_output.hpp"

using nbc::fuzz::check;

namespace {

struct Seen {
  int depth = 0;
  std::string root;
  std::string args;
  std::vector<std::string> hostnames;
  std::vector<std::string> specifications;
  int hosts = 0;
  int ports = 0;
  int extraports = 0;
};

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** attrs) {
  auto* seen = static_cast<Seen*>(data);
  std::string element(name);
  if (seen->depth++ == 0) seen->root = element;
  auto get = [&](std::string_view key) -> std::string {
    for (int i = 0; attrs[i] != nullptr; i += 2) {
      if (key == attrs[i]) return attrs[i + 1];
    }
    return "\x01missing";
  };
  if (element == "nmaprun") seen->args = get("args");
  if (element == "hostname") seen->hostnames.push_back(get("name"));
  if (element == "target") seen->specifications.push_back(get("specification"));
  if (element == "host") ++seen->hosts;
  if (element == "port") ++seen->ports;
  if (element == "extraports") ++seen->extraports;
}

void XMLCALL on_end(void* data, const XML_Char*) {
  --static_cast<Seen*>(data)->depth;
}

bool valid_utf8(std::string_view s) {
  try {
    (void)nlohmann::json(std::string(s)).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// Valid UTF-8 that holds only characters XML 1.0 allows.
bool plain_xml_text(std::string_view s) {
  if (!valid_utf8(s)) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') return false;
    if (b == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xBE) {
      return false;  // U+FFFE or U+FFFF
    }
  }
  return true;
}

nbc::cli::Row row(std::uint32_t host, std::uint16_t port, nbc::State state, nbc::Reason reason) {
  return nbc::cli::Row{0, host, port, state, reason, 0, std::chrono::microseconds(70)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Four strings: the command line, two host labels and a name that did not resolve.
  std::vector<std::string_view> parts;
  std::string_view rest = text.size() > 3 ? text.substr(3) : std::string_view();
  for (std::size_t i = 0; i < 3; ++i) {
    std::size_t cut = size > i ? data[i] % (rest.size() + 1) : 0;
    parts.push_back(rest.substr(0, cut));
    rest.remove_prefix(cut);
  }
  parts.push_back(rest);

  for (std::string_view p : parts) {
    std::string clean = nbc::cli::xml_clean(p);
    check(nbc::cli::xml_clean(clean) == clean, "xml_clean is not idempotent", text);
    if (plain_xml_text(p)) check(clean == p, "xml_clean changed valid text", text);
  }

  nbc::cli::Targets targets;
  std::vector<std::uint16_t> ports = {22, 80, 443};
  for (std::uint16_t p = 3000; p < 3030; ++p) ports.push_back(p);
  targets.groups.push_back(
      nbc::ScanGroup{{*nbc::parse_ip("127.0.0.1", 0), *nbc::parse_ip("::1", 0)}, ports});
  targets.labels.push_back({std::string(parts[1]), std::string(parts[2])});
  targets.unresolved.push_back(
      nbc::cli::Unresolved{std::string(parts[3]), {22}, nbc::Reason::nxdomain, ""});
  targets.host_count = 2;

  // Host 0: 80 open, 3000-3029 dropped (30 ports: counted, not listed), 22 and 443 closed.
  // Host 1: 22 closed (listed), 80 refused by ICMP, the rest closed (31: counted).
  std::vector<nbc::cli::Row> rows = {row(0, 80, nbc::State::open, nbc::Reason::syn_ack),
                                     row(1, 80, nbc::State::filtered, nbc::Reason::host_unreach)};
  for (std::uint16_t p = 3000; p < 3030; ++p) {
    rows.push_back(row(0, p, nbc::State::filtered, nbc::Reason::no_response));
  }
  std::vector<nbc::cli::Row> closed = {row(0, 22, nbc::State::closed, nbc::Reason::conn_refused),
                                       row(0, 443, nbc::State::closed, nbc::Reason::conn_refused)};
  std::vector<nbc::cli::HostCounts> counts(2);
  counts[0] = {0, 0, {1, 2, 30, 0, 0}, 0};
  counts[1] = {0, 1, {0, 32, 1, 0, 0}, 0};

  nbc::cli::XmlRun run;
  run.args = std::string(parts[0]);
  run.version = "0.1.0";
  run.start = std::chrono::system_clock::time_point(std::chrono::seconds(1795821686));
  run.end = run.start + std::chrono::seconds(2);
  run.elapsed_seconds = 1.5;
  run.summary = std::string(parts[0]);
  std::string doc = nbc::cli::xml_document(run, targets, rows, closed, counts);

  Seen seen;
  XML_Parser parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(parser, &seen);
  XML_SetElementHandler(parser, on_start, on_end);
  bool ok = XML_Parse(parser, doc.data(), static_cast<int>(doc.size()), 1) == XML_STATUS_OK;
  XML_ParserFree(parser);
  check(ok, "the document is not well-formed XML", text);
  check(seen.root == "nmaprun" && seen.depth == 0, "the root is not nmaprun", text);
  check(seen.args == nbc::cli::xml_clean(parts[0]), "args did not round-trip", text);
  check(seen.specifications.size() == 1 && seen.specifications[0] == nbc::cli::xml_clean(parts[3]),
        "the unresolved name did not round-trip", text);
  std::vector<std::string> expected;
  const char* addresses[] = {"127.0.0.1", "::1"};
  for (int h = 0; h < 2; ++h) {
    std::string_view label = parts[1 + h];
    if (label != addresses[h] && nbc::cli::label_is_host_name(label)) {
      expected.push_back(nbc::cli::xml_clean(label));
    }
  }
  check(seen.hostnames == expected, "the host names did not round-trip", text);
  check(seen.hosts == 2, "not two hosts", text);
  // Host 0: 22, 80, 443 listed, filtered counted; host 1: 80 listed, closed counted.
  check(seen.ports == 4 && seen.extraports == 2, "ports listed or counted wrongly", text);
  return 0;
}
