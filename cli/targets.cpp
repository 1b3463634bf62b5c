// Scan targets from words and -iL files into the engine's plan (targets.hpp).
#include "targets.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <unordered_set>

#include "common.hpp"
#include "nbconnect/dialer.hpp"
#include "output.hpp"

namespace nbc::cli {
namespace {

std::string shown_path(const std::string& path) {
  return path == "-" ? "standard input" : quote(path);
}

struct Resolution {
  std::vector<Endpoint> addresses;
  Reason reason = Reason::dns_error;
  std::string detail;
};

// A name to resolve: like nmap, a target name stands for one address (its first IPv4 address
// unless -6 is given, else its first IPv6 address); an exclusion for all of them.
struct NameQuery {
  std::string name;
  bool v4_only = false;
  bool v6_only = false;
  bool all = false;
  bool operator<(const NameQuery& o) const {
    return std::tie(name, v4_only, v6_only, all) < std::tie(o.name, o.v4_only, o.v6_only, o.all);
  }
};

Resolution pick(const nbc::Resolution& found, const NameQuery& q) {
  Resolution r;
  if (!found.ok()) {
    r.reason = found.failure.reason;
    r.detail = found.failure.detail;
    return r;
  }
  std::vector<Endpoint> v4, v6;
  for (Endpoint ep : found.addresses) {
    ep.set_port(0);
    auto& bucket = ep.family() == Family::ipv6 ? v6 : v4;
    if (std::find(bucket.begin(), bucket.end(), ep) == bucket.end()) bucket.push_back(ep);
  }
  if (q.all) {
    r.addresses = v4;
    r.addresses.insert(r.addresses.end(), v6.begin(), v6.end());
  } else if (!v4.empty() && !q.v6_only) {
    r.addresses.push_back(v4.front());
  } else if (!v6.empty()) {
    r.addresses.push_back(v6.front());
  }
  if (r.addresses.empty()) {
    r.reason = Reason::no_address;
    r.detail = "no address of the requested family";
  }
  return r;
}

// Every name of the scan at once, through the library's c-ares resolver on one Dialer (one
// loop): the scan waits about one round trip for all of them, not one per name. Each distinct
// query is sent once.
std::map<NameQuery, Resolution> resolve_all(const std::set<NameQuery>& queries,
                                            const std::vector<std::string>& dns_servers) {
  std::map<NameQuery, Resolution> out;
  if (queries.empty()) return out;
  Dialer dialer;
  for (const NameQuery& q : queries) {
    DialOptions options;
    options.family = q.v4_only ? Family::ipv4 : q.v6_only ? Family::ipv6 : Family::unspec;
    options.dns_servers = dns_servers;
    dialer.resolve(HostPort{q.name, 0, std::nullopt}, options,
                   [&out, q](nbc::Resolution found) { out[q] = pick(found, q); });
  }
  dialer.run();
  return out;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(',', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

void check_spec_family(const TargetSpec& spec, const TargetRequest& request) {
  if (spec.kind == TargetSpec::name) return;
  Family f = spec.base.family();
  if (request.ipv4_only && f != Family::ipv4) {
    throw UsageError("target " + quote(spec.word) + " is not IPv4, but -4 was given");
  }
  if (request.ipv6_only && f != Family::ipv6) {
    throw UsageError("target " + quote(spec.word) + " is not IPv6, but -6 was given");
  }
}

// Parses one target word into `specs`; throws UsageError naming the word.
void add_spec(const std::string& word, std::vector<TargetSpec>& specs, std::uint64_t& literal_count,
              const TargetRequest& request) {
  auto spec = parse_target_spec(word);
  if (!spec) throw UsageError(spec.error().message);
  check_spec_family(*spec, request);
  if (!spec->port && !request.ports) {
    throw UsageError("missing -p PORTS for target " + quote(word) + " (or write HOST:PORT)");
  }
  literal_count += spec->count();
  if (literal_count > kMaxScanHosts) {
    throw UsageError("too many addresses at target " + quote(word) + ": at most " +
                     std::to_string(kMaxScanHosts) + " in one scan");
  }
  specs.push_back(std::move(*spec));
}

std::string address_key(const Endpoint& e) {
  return std::string(reinterpret_cast<const char*>(e.data()), e.size());
}

}  // namespace

void read_target_file(const std::string& path, TargetRequest& request) {
  FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "re");
  if (!file) {
    throw UsageError("cannot read target file " + quote(path) + ": " + std::strerror(errno));
  }
  std::unique_ptr<FILE, int (*)(FILE*)> guard(
      file, path == "-" ? [](FILE*) { return 0; } : [](FILE* f) { return std::fclose(f); });
  request.origins.resize(request.words.size());  // the words before these came from elsewhere
  std::string line;
  std::size_t line_number = 1;
  auto take_line = [&] {
    std::size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      std::size_t start = i;
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i > start) {
        request.words.push_back(line.substr(start, i - start));
        request.origins.push_back("target file " + shown_path(path) + " line " +
                                  std::to_string(line_number));
      }
    }
    line.clear();
  };
  // Editors on some systems start a UTF-8 file with a byte-order mark: it is not part of a word.
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  int c;
  bool at_start = true;
  while ((c = std::getc(file)) != EOF) {
    if (at_start) {
      line.push_back(static_cast<char>(c));
      if (kBom.starts_with(line)) {
        if (line.size() == kBom.size()) {
          line.clear();
          at_start = false;
        }
        continue;
      }
      at_start = false;
      line.pop_back();
    }
    if (c == '\n') {
      take_line();
      ++line_number;
      continue;
    }
    if (c == '\0') {
      throw UsageError("target file " + shown_path(path) + " line " + std::to_string(line_number) +
                       " contains a NUL byte");
    }
    if (line.size() >= kMaxTargetLine) {
      throw UsageError("target file " + shown_path(path) + " line " + std::to_string(line_number) +
                       " is too long (more than " + std::to_string(kMaxTargetLine) + " bytes)");
    }
    line.push_back(static_cast<char>(c));
  }
  if (std::ferror(file)) {
    throw UsageError("cannot read target file " + shown_path(path) + ": " + std::strerror(errno));
  }
  take_line();
}

Targets build_targets(const TargetRequest& request) {
  if (request.words.empty()) {
    throw UsageError("missing target: give addresses, CIDR blocks, ranges or names (or -iL FILE)");
  }
  // Parse every word first: a bad word stops the scan before anything is resolved or sent.
  std::vector<TargetSpec> specs;
  specs.reserve(request.words.size());
  std::uint64_t literal_count = 0;
  for (std::size_t i = 0; i < request.words.size(); ++i) {
    const std::string& word = request.words[i];
    const std::string origin = i < request.origins.size() ? request.origins[i] : std::string();
    try {
      add_spec(word, specs, literal_count, request);
    } catch (const UsageError& e) {
      if (origin.empty()) throw;
      throw UsageError(origin + ": " + e.what());
    }
  }
  std::vector<TargetSpec> excludes;
  for (const std::string& text : request.excludes) {
    for (const std::string& word : split_commas(text)) {
      // Exclusions are only matched, never enumerated: a block of any size is fine.
      auto spec = parse_exclude_spec(word);
      if (!spec) throw UsageError("--exclude: " + spec.error().message);
      if (spec->port) throw UsageError("--exclude: " + quote(word) + " must not carry a port");
      excludes.push_back(std::move(*spec));
    }
  }
  // The names of targets and exclusions, resolved together before anything else happens.
  std::set<NameQuery> queries;
  auto target_query = [&](const TargetSpec& spec) {
    return NameQuery{spec.host, request.ipv4_only, request.ipv6_only, false};
  };
  for (const TargetSpec& spec : excludes) {
    if (spec.kind == TargetSpec::name) queries.insert(NameQuery{spec.host, false, false, true});
  }
  for (const TargetSpec& spec : specs) {
    if (spec.kind == TargetSpec::name) queries.insert(target_query(spec));
  }
  std::map<NameQuery, Resolution> resolved = resolve_all(queries, request.dns_servers);
  std::vector<Endpoint> excluded_addresses;
  std::set<std::string> warned;
  for (const TargetSpec& spec : excludes) {
    if (spec.kind != TargetSpec::name) continue;
    const Resolution& r = resolved[NameQuery{spec.host, false, false, true}];
    if (r.addresses.empty() && warned.insert(spec.host).second) {
      print_err("nbconnect: --exclude: cannot resolve {} ({}): nothing excluded for it\n",
                quote(spec.host), r.detail);
    }
    excluded_addresses.insert(excluded_addresses.end(), r.addresses.begin(), r.addresses.end());
  }
  auto excluded = [&](const Endpoint& e) {
    for (const TargetSpec& spec : excludes) {
      if (spec.contains(e)) return true;
    }
    return std::find(excluded_addresses.begin(), excluded_addresses.end(), e) !=
           excluded_addresses.end();
  };

  Targets out;
  // Group 0: the words without a port, on the -p ports; then one group per port of HOST:PORT.
  std::map<std::uint16_t, std::size_t> port_group;
  std::vector<std::unordered_set<std::string>> seen;
  std::unordered_set<std::string> distinct;  // every address, whatever its group
  auto group_for = [&](const TargetSpec& spec) -> std::size_t {
    if (!spec.port) {
      if (out.groups.empty() || port_group.count(0) == 0) {
        port_group[0] = out.groups.size();
        out.groups.push_back(ScanGroup{{}, *request.ports});
        out.labels.emplace_back();
        seen.emplace_back();
      }
      return port_group[0];
    }
    auto it = port_group.find(*spec.port);
    if (it != port_group.end()) return it->second;
    port_group[*spec.port] = out.groups.size();
    out.groups.push_back(ScanGroup{{}, {*spec.port}});
    out.labels.emplace_back();
    seen.emplace_back();
    return out.groups.size() - 1;
  };
  auto add = [&](std::size_t g, const Endpoint& e, const std::string& label) {
    if (excluded(e)) return;
    // The same address twice in a group is scanned once.
    std::string key = address_key(e);
    if (!seen[g].insert(key).second) return;
    if (distinct.insert(std::move(key)).second && ++out.host_count > kMaxScanHosts) {
      throw UsageError("too many addresses at target " + quote(label) + ": at most " +
                       std::to_string(kMaxScanHosts) + " in one scan");
    }
    out.groups[g].hosts.push_back(e);
    out.labels[g].push_back(label);
  };
  for (const TargetSpec& spec : specs) {
    std::size_t g = group_for(spec);
    if (spec.kind == TargetSpec::name) {
      const Resolution& r = resolved[target_query(spec)];
      if (r.addresses.empty()) {
        out.unresolved.push_back(Unresolved{spec.host, out.groups[g].ports, r.reason, r.detail});
        continue;
      }
      for (const Endpoint& e : r.addresses) add(g, e, spec.host);
      continue;
    }
    spec.for_each([&](const Endpoint& e) { add(g, e, spec.host); });
  }
  // An address given both without a port (on the -p ports) and as HOST:PORT with one of those
  // ports is probed once, in the -p group: drop it from the HOST:PORT group.
  if (auto base = port_group.find(0); base != port_group.end()) {
    const std::vector<std::uint16_t>& ports = out.groups[base->second].ports;
    for (const auto& [port, g] : port_group) {
      if (port == 0 || !std::binary_search(ports.begin(), ports.end(), port)) continue;
      ScanGroup& group = out.groups[g];
      std::vector<Endpoint> hosts;
      std::vector<std::string> labels;
      for (std::size_t h = 0; h < group.hosts.size(); ++h) {
        if (seen[base->second].count(address_key(group.hosts[h]))) continue;
        hosts.push_back(group.hosts[h]);
        labels.push_back(std::move(out.labels[g][h]));
      }
      group.hosts = std::move(hosts);
      out.labels[g] = std::move(labels);
    }
  }
  return out;
}

}  // namespace nbc::cli
