// The nmaprun document of a scan (xml_output.hpp). Its shape follows what `nmap -sT -oX -` writes
// (nmap 7.93, xmloutputversion 1.05, and nmap's nmap.dtd), so that nmap's tools read it.
#include "xml_output.hpp"

#include <time.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <unordered_map>

#include "top_ports.hpp"

namespace nbc::cli {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// The length of the valid UTF-8 sequence at the start of `s` and its code point, or 0 when the
// first byte does not begin one (a stray continuation byte, an overlong form, a surrogate, a value
// beyond U+10FFFF, or a sequence cut short).
std::size_t decode_utf8(std::string_view s, char32_t& cp) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b = byte(0);
  if (b < 0x80) {
    cp = b;
    return 1;
  }
  std::size_t len;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    len = 2;
    cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3;
    cp = b & 0x0F;
    if (b == 0xE0) lo = 0xA0;  // no overlong forms
    if (b == 0xED) hi = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4;
    cp = b & 0x07;
    if (b == 0xF0) lo = 0x90;  // no overlong forms
    if (b == 0xF4) hi = 0x8F;  // nothing beyond U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (std::size_t i = 1; i < len; ++i) {
    unsigned char c = byte(i);
    if (c < (i == 1 ? lo : 0x80) || c > (i == 1 ? hi : 0xBF)) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  return len;
}

// XML 1.0's Char production, less what a valid UTF-8 sequence cannot hold anyway.
bool xml_char(char32_t cp) {
  if (cp < 0x20) return cp == 0x09 || cp == 0x0A || cp == 0x0D;
  return cp != 0xFFFE && cp != 0xFFFF;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Calls emit(code point, its bytes) for each character of `text` as XML may hold it: a byte that
// begins no valid sequence, and a character XML forbids, become U+FFFD.
template <typename Emit>
void for_each_xml_char(std::string_view text, Emit emit) {
  static const std::string kReplacementBytes = [] {
    std::string s;
    append_utf8(s, kReplacement);
    return s;
  }();
  while (!text.empty()) {
    char32_t cp = 0;
    std::size_t len = decode_utf8(text, cp);
    if (len == 0) {
      emit(kReplacement, std::string_view(kReplacementBytes));
      text.remove_prefix(1);
      continue;
    }
    if (xml_char(cp)) {
      emit(cp, text.substr(0, len));
    } else {
      emit(kReplacement, std::string_view(kReplacementBytes));
    }
    text.remove_prefix(len);
  }
}

// An attribute: ` name="value"`, the value escaped.
void attr(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  append_xml_attribute(out, value);
  out += '"';
}

template <typename T>
void attr_number(std::string& out, std::string_view name, T value) {
  fmt::format_to(std::back_inserter(out), " {}=\"{}\"", name, value);
}

// Ports (sorted, unique) as nmap writes them: "1-3,8080".
std::string port_ranges(const std::vector<std::uint16_t>& ports) {
  std::string out;
  std::size_t i = 0;
  while (i < ports.size()) {
    std::size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    if (!out.empty()) out += ',';
    if (j == i) {
      fmt::format_to(std::back_inserter(out), "{}", ports[i]);
    } else {
      fmt::format_to(std::back_inserter(out), "{}-{}", ports[i], ports[j]);
    }
    i = j + 1;
  }
  return out;
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// nmap's startstr and timestr: local time, as ctime() writes it without the newline.
std::string time_text(std::chrono::system_clock::time_point t) {
  time_t seconds = static_cast<time_t>(unix_seconds(t));
  struct tm local {};
  if (localtime_r(&seconds, &local) == nullptr) return "";
  char buffer[64];
  std::size_t n = strftime(buffer, sizeof buffer, "%a %b %d %H:%M:%S %Y", &local);
  return std::string(buffer, n);
}

// nmap's word for a state: nmap has no `error`; a port whose state this machine could not learn
// is nmap's `unknown`.
std::string_view xml_state(State s) {
  return s == State::error || s == State::unresolved ? "unknown" : to_string(s);
}

// One <host>: every (group, host) entry of the scan with the same address and label.
struct XmlHost {
  std::string address;
  Family family = Family::ipv4;
  std::string label;
  std::vector<Row> rows;  // listed one by one, by port
  std::vector<Row> closed;
  std::array<std::uint64_t, kStateCount> states{};
  std::uint64_t self_connects = 0;
};

// The ports that are listed one by one under <ports>, and the <extraports> of the others.
void append_ports(std::string& out, XmlHost& h, bool open_only, bool udp) {
  const char* proto = udp ? " proto=\"udp\"" : " proto=\"tcp\"";
  auto listed = [&](State s) {
    if (s == State::open) return true;
    if (open_only) return false;
    // nmap's rule: a closed or filtered state with more than 25 ports is counted, not listed.
    if (s == State::closed || s == State::filtered || s == State::open_filtered) {
      return h.states[static_cast<std::size_t>(s)] <= kXmlListedMax;
    }
    return true;
  };
  out += "<ports>";
  // In nmap's order of states: unknown (only with --open), closed, filtered, open|filtered.
  for (State s : {State::error, State::closed, State::filtered, State::open_filtered}) {
    std::uint64_t count = h.states[static_cast<std::size_t>(s)];
    if (count == 0 || listed(s)) continue;
    out += "<extraports";
    attr(out, "state", xml_state(s));
    attr_number(out, "count", count);
    out += ">\n";
    if (s == State::closed) {
      std::uint64_t refused = count - h.self_connects;
      for (auto [reason, n] : {std::pair{udp ? "port-unreach" : "conn-refused", refused},
                               std::pair{"self-connect", h.self_connects}}) {
        if (n == 0) continue;
        out += "<extrareasons";
        attr(out, "reason", reason);
        attr_number(out, "count", n);
        out += proto;
        out += "/>\n";
      }
    } else if (!open_only) {
      // The rows of this state are all kept: say which ports had which reason, as nmap does.
      std::map<std::string, std::vector<std::uint16_t>> by_reason;
      for (const Row& r : h.rows) {
        if (r.state == s) by_reason[r.reason_name()].push_back(r.port);
      }
      for (const auto& [reason, ports] : by_reason) {
        out += "<extrareasons";
        attr(out, "reason", reason);
        attr_number(out, "count", ports.size());
        out += proto;
        attr(out, "ports", port_ranges(ports));
        out += "/>\n";
      }
    }
    out += "</extraports>\n";
  }
  std::vector<Row> ports;
  for (const Row& r : h.rows) {
    if (listed(r.state)) ports.push_back(r);
  }
  if (listed(State::closed)) ports.insert(ports.end(), h.closed.begin(), h.closed.end());
  std::sort(ports.begin(), ports.end(), [](const Row& a, const Row& b) { return a.port < b.port; });
  for (const Row& r : ports) {
    out += udp ? "<port protocol=\"udp\"" : "<port protocol=\"tcp\"";
    attr_number(out, "portid", r.port);
    out += "><state";
    attr(out, "state", xml_state(r.state));
    attr(out, "reason", r.reason_name());
    out += " reason_ttl=\"0\"/>";
    std::string_view service = service_name(r.port, udp ? Protocol::udp : Protocol::tcp);
    if (!service.empty()) {
      out += "<service";
      attr(out, "name", service);
      out += " method=\"table\" conf=\"3\"/>";
    }
    out += "</port>\n";
  }
  out += "</ports>\n";
}

}  // namespace

void append_xml_attribute(std::string& out, std::string_view text) {
  for_each_xml_char(text, [&out](char32_t cp, std::string_view bytes) {
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += bytes;
    }
  });
}

std::string xml_clean(std::string_view text) {
  std::string out;
  for_each_xml_char(text, [&out](char32_t, std::string_view bytes) { out += bytes; });
  return out;
}

bool label_is_host_name(std::string_view label) {
  // Addresses, blocks and ranges are written with digits, dots, dashes, commas, colons (IPv6)
  // and slashes; a host name has none of ':' and '/', and some other character.
  if (label.empty() || label.find_first_of(":/") != std::string_view::npos) return false;
  return label.find_first_not_of("0123456789.-,") != std::string_view::npos;
}

std::string xml_document(const XmlRun& run, const Targets& targets, const std::vector<Row>& rows,
                         const std::vector<Row>& closed_rows,
                         const std::vector<HostCounts>& counts) {
  // The hosts in the order of the scan's entries; entries with the same address and label merge.
  std::vector<XmlHost> hosts;
  std::unordered_map<std::string, std::size_t> by_name;
  std::unordered_map<std::uint64_t, std::size_t> by_entry;  // group << 32 | host -> hosts index
  std::vector<std::uint16_t> all_ports;
  for (std::size_t g = 0; g < targets.groups.size(); ++g) {
    const ScanGroup& group = targets.groups[g];
    if (!group.hosts.empty()) {
      all_ports.insert(all_ports.end(), group.ports.begin(), group.ports.end());
    }
    for (std::size_t h = 0; h < group.hosts.size(); ++h) {
      std::string address = group.hosts[h].address();
      const std::string& label = targets.labels[g][h];
      auto [it, added] = by_name.try_emplace(address + '\n' + label, hosts.size());
      if (added) hosts.push_back(XmlHost{address, group.hosts[h].family(), label, {}, {}, {}, 0});
      by_entry[std::uint64_t{g} << 32 | h] = it->second;
    }
  }
  auto host_of = [&](std::uint32_t g, std::uint32_t h) -> XmlHost* {
    auto it = by_entry.find(std::uint64_t{g} << 32 | h);
    return it == by_entry.end() ? nullptr : &hosts[it->second];
  };
  for (const Row& r : rows) {
    if (XmlHost* x = host_of(r.group, r.host)) x->rows.push_back(r);
  }
  for (const Row& r : closed_rows) {
    if (XmlHost* x = host_of(r.group, r.host)) x->closed.push_back(r);
  }
  for (const HostCounts& c : counts) {
    XmlHost* x = host_of(c.group, c.host);
    if (x == nullptr) continue;
    for (std::size_t s = 0; s < c.states.size(); ++s) x->states[s] += c.states[s];
    x->self_connects += c.self_connects;
  }
  std::sort(all_ports.begin(), all_ports.end());
  all_ports.erase(std::unique(all_ports.begin(), all_ports.end()), all_ports.end());

  std::string out;
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n";
  out += "<nmaprun scanner=\"nbconnect\"";
  attr(out, "args", run.args);
  attr_number(out, "start", unix_seconds(run.start));
  attr(out, "startstr", time_text(run.start));
  attr(out, "version", run.version);
  out += " xmloutputversion=\"1.05\">\n";
  out += run.udp ? "<scaninfo type=\"udp\" protocol=\"udp\""
                 : "<scaninfo type=\"connect\" protocol=\"tcp\"";
  attr_number(out, "numservices", all_ports.size());
  attr(out, "services", port_ranges(all_ports));
  out += "/>\n<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n";
  // A name that did not resolve is no host; nmap's element for a target it skipped says so.
  for (const Unresolved& u : targets.unresolved) {
    out += "<target";
    attr(out, "specification", u.name);
    out += " status=\"skipped\" reason=\"invalid\"/>\n";
  }
  std::int64_t start = unix_seconds(run.start);
  std::int64_t end = unix_seconds(run.end);
  std::size_t up = 0;
  for (XmlHost& h : hosts) {
    std::uint64_t probes = 0;
    for (std::uint64_t n : h.states) probes += n;
    if (probes == 0) continue;  // none of its ports was in this shard, or the scan stopped first
    ++up;
    std::sort(h.rows.begin(), h.rows.end(),
              [](const Row& a, const Row& b) { return a.port < b.port; });
    out += "<host";
    attr_number(out, "starttime", start);
    attr_number(out, "endtime", end);
    // Like nmap -Pn: no host discovery, every host is taken to be up.
    out += "><status state=\"up\" reason=\"user-set\" reason_ttl=\"0\"/>\n<address";
    attr(out, "addr", h.address);
    attr(out, "addrtype", to_string(h.family));
    out += "/>\n<hostnames>\n";
    if (h.label != h.address && label_is_host_name(h.label)) {
      out += "<hostname";
      attr(out, "name", h.label);
      out += " type=\"user\"/>\n";
    }
    out += "</hostnames>\n";
    append_ports(out, h, run.open_only, run.udp);
    out += "</host>\n";
  }
  out += "<runstats><finished";
  attr_number(out, "time", end);
  attr(out, "timestr", time_text(run.end));
  attr(out, "summary", run.summary);
  attr(out, "elapsed", fmt::format("{:.2f}", run.elapsed_seconds));
  if (run.interrupted.empty()) {
    out += " exit=\"success\"/>";
  } else {
    out += " exit=\"error\"";
    attr(out, "errormsg", run.interrupted);
    out += "/>";
  }
  fmt::format_to(std::back_inserter(out), "<hosts up=\"{}\" down=\"0\" total=\"{}\"/>\n", up, up);
  out += "</runstats>\n</nmaprun>\n";
  return out;
}

}  // namespace nbc::cli
