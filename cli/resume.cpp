// A scan's plan line and its NDJSON output read back, for --resume and merge (resume.hpp).
#include "resume.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "common.hpp"

namespace nbc::cli {
namespace {

// Past this many words the plan line holds their count and digest instead of the words.
constexpr std::size_t kListedWords = 1000;

struct Fnv1a {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  void add(std::string_view bytes) {
    for (char c : bytes) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
  }
  void add_u64(std::uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    add(std::string_view(b, 8));
  }
  std::string hex() const { return fmt::format("{:016x}", h); }
};

// "1-1024,8080": runs of consecutive ports in the list's own order.
std::string port_ranges(const std::vector<std::uint16_t>& ports) {
  std::string out;
  for (std::size_t i = 0; i < ports.size();) {
    std::size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", ports[i]) : fmt::format("{}-{}", ports[i], ports[j]);
    i = j + 1;
  }
  return out;
}

std::string shown(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 120) text = text.substr(0, 117) + "...";
  return text;
}

}  // namespace

nlohmann::ordered_json plan_json(const TargetRequest& request, const ScanPlan& plan,
                                 const Targets& targets, bool open_only, Protocol protocol) {
  nlohmann::ordered_json j;
  j["version"] = kPlanVersion;
  if (request.words.size() <= kListedWords) {
    j["targets"] = request.words;
  } else {
    Fnv1a words;
    for (const std::string& w : request.words) {
      words.add(w);
      words.add(std::string_view("\n", 1));
    }
    j["targets"] = {{"count", request.words.size()}, {"fnv1a64", words.hex()}};
  }
  j["exclude"] = request.excludes;
  j["family"] = request.ipv4_only ? "ipv4" : request.ipv6_only ? "ipv6" : "any";
  // Only a UDP plan names its protocol, so that the plans of TCP scans read as before.
  if (protocol == Protocol::udp) j["protocol"] = "udp";
  j["ports"] = request.ports ? nlohmann::ordered_json(port_ranges(*request.ports)) : nullptr;
  j["order"] = plan.order == Order::random ? "random" : "serial";
  j["seed"] = std::to_string(plan.seed);  // a string: JSON tools lose digits past 2^53
  std::uint32_t shown_index = plan.shard_index == 0 ? plan.shard_count : plan.shard_index;
  j["shard"] = fmt::format("{}/{}", shown_index, plan.shard_count);
  j["probes"] = plan.size();
  j["hosts"] = targets.host_count;
  // The probes in index order: group by group, host by host, port by port.
  Fnv1a digest;
  for (const ScanGroup& g : plan.groups) {
    digest.add_u64(g.ports.size());
    for (std::uint16_t p : g.ports) digest.add_u64(p);
    digest.add_u64(g.hosts.size());
    for (const Endpoint& e : g.hosts) {
      digest.add(e.address());
      digest.add(std::string_view("\n", 1));
    }
  }
  j["digest"] = digest.hex();
  j["records"] = open_only ? "open" : "all";
  return j;
}

std::string plan_line(const nlohmann::ordered_json& plan) {
  nlohmann::ordered_json line;
  line["plan"] = plan;
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + '\n';
}

SavedScan read_saved_scan(const std::string& option, const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "re");
  if (!file) {
    throw UsageError(
        fmt::format("{}: cannot read {}: {}", option, quote(path), std::strerror(errno)));
  }
  std::string text;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) text.append(buf, n);
  bool failed = std::ferror(file);
  std::fclose(file);
  if (failed) throw UsageError(fmt::format("{}: cannot read {}", option, quote(path)));
  return parse_saved_scan(option, path, text);
}

std::string text_field(const nlohmann::json& plan, const char* key) {
  auto it = plan.find(key);
  return it != plan.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint64_t number_field(const nlohmann::json& plan, const char* key) {
  auto it = plan.find(key);
  return it != plan.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

SavedScan parse_saved_scan(const std::string& option, const std::string& path,
                           std::string_view text) {
  SavedScan saved;
  saved.path = path;
  auto where = [&](std::size_t line) {
    return fmt::format("{}: {} line {}", option, quote(path), line);
  };
  std::size_t start = 0;
  std::size_t line_number = 0;
  while (start < text.size()) {
    ++line_number;
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      saved.truncated = true;  // cut short by a killed run: that probe is scanned again
      break;
    }
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      throw UsageError(where(line_number) + " is not a JSON object");
    }
    if (auto plan = j.find("plan"); plan != j.end()) {
      if (!plan->is_object()) throw UsageError(where(line_number) + ": \"plan\" is not an object");
      if (!saved.plans.empty()) {
        std::string diff = plan_difference(*plan, saved.plans.front(), false, "this line",
                                           "the file's first plan");
        if (!diff.empty()) {
          throw UsageError(where(line_number) + " holds another plan: " + diff);
        }
      }
      saved.plans.push_back(std::move(*plan));
      continue;
    }
    auto port = j.find("port");
    auto target = j.find("target");
    if (port == j.end() || !port->is_number_unsigned() || *port == 0 || *port > 65535 ||
        target == j.end() || !target->is_string()) {
      throw UsageError(where(line_number) + " is neither a plan nor a scan record");
    }
    SavedRecord r;
    r.line = std::string(line);
    r.line_number = line_number;
    r.target = target->get<std::string>();
    r.port = port->get<std::uint16_t>();
    if (auto a = j.find("address"); a != j.end() && a->is_string()) r.address = *a;
    if (auto s = j.find("state"); s != j.end() && s->is_string()) r.state = *s;
    if (auto c = j.find("canary"); c != j.end() && c->is_boolean()) r.canary = *c;
    saved.records.push_back(std::move(r));
  }
  if (saved.plans.empty()) {
    throw UsageError(fmt::format(
        "{}: {} has no plan line: it is not the --json output of a scan (of this version)", option,
        quote(path)));
  }
  if (number_field(saved.plans.front(), "version") != kPlanVersion) {
    throw UsageError(fmt::format("{}: {} holds a plan of another version (this program reads {})",
                                 option, quote(path), kPlanVersion));
  }
  return saved;
}

nlohmann::ordered_json ordered_plan(const nlohmann::json& plan) {
  static const char* const kOrder[] = {"version", "targets", "exclude", "family",
                                       "ports",   "order",   "seed",    "shard",
                                       "probes",  "hosts",   "digest",  "records"};
  nlohmann::ordered_json out;
  for (const char* key : kOrder) {
    if (plan.contains(key)) out[key] = nlohmann::ordered_json(plan[key]);
  }
  for (const auto& [key, value] : plan.items()) {
    if (!out.contains(key)) out[key] = nlohmann::ordered_json(value);
  }
  return out;
}

std::string plan_difference(const nlohmann::json& saved, const nlohmann::json& now,
                            bool ignore_shard, const std::string& saved_name,
                            const std::string& now_name) {
  // In the order a user thinks of them: what, where, how.
  static const char* const kParts[] = {"version", "targets", "exclude", "family", "ports", "order",
                                       "seed",    "shard",   "probes",  "hosts",  "digest"};
  for (const char* part : kParts) {
    if (ignore_shard && std::string_view(part) == "shard") continue;
    nlohmann::json a = saved.contains(part) ? saved[part] : nlohmann::json();
    nlohmann::json b = now.contains(part) ? now[part] : nlohmann::json();
    if (a == b) continue;
    if (std::string_view(part) == "digest") {
      return fmt::format(
          "the resolved addresses differ: a name resolved differently for {} and for {}",
          saved_name, now_name);
    }
    return fmt::format("the plans differ in {}: {} has {}, {} has {}", part, saved_name, shown(a),
                       now_name, shown(b));
  }
  return "";
}

std::uint64_t saved_seed(const SavedScan& saved) {
  const nlohmann::json& plan = saved.plans.front();
  auto seed = plan.find("seed");
  if (seed == plan.end() || !seed->is_string()) {
    throw UsageError("--resume: " + quote(saved.path) + " has no seed in its plan");
  }
  return number_option("--resume seed", seed->get<std::string>(), 0, ~std::uint64_t{0});
}

std::shared_ptr<const std::vector<std::uint64_t>> resumed_probes(
    const std::vector<SavedScan>& files, const nlohmann::ordered_json& now_ordered,
    const ScanPlan& plan) {
  nlohmann::json now = nlohmann::json::parse(now_ordered.dump());
  for (const SavedScan& f : files) {
    if (text_field(f.plans.front(), "records") != "all") {
      throw UsageError("--resume: " + quote(f.path) +
                       " is the output of a scan run with --open: it lacks the closed and "
                       "filtered ports, so what it did cannot be told");
    }
    std::string diff = plan_difference(f.plans.front(), now, false, f.path, "this scan");
    if (!diff.empty()) {
      throw UsageError("--resume: " + quote(f.path) + " is a scan of another plan: " + diff);
    }
  }
  // Where each address sits in the plan (an address may be in several groups, one per port).
  std::unordered_map<std::string, std::vector<std::pair<std::uint32_t, std::uint32_t>>> hosts;
  std::vector<std::uint64_t> group_start;
  std::uint64_t total = 0;
  for (std::uint32_t g = 0; g < plan.groups.size(); ++g) {
    const ScanGroup& group = plan.groups[g];
    group_start.push_back(total);
    if (group.ports.empty() || group.hosts.empty()) continue;
    total += group.hosts.size() * group.ports.size();
    for (std::uint32_t h = 0; h < group.hosts.size(); ++h) {
      hosts[group.hosts[h].address()].emplace_back(g, h);
    }
  }
  auto done = std::make_shared<std::vector<std::uint64_t>>();
  for (const SavedScan& f : files) {
    for (const SavedRecord& r : f.records) {
      if (r.canary || r.address.empty()) continue;  // not a probe of the plan
      std::optional<std::uint64_t> index;
      if (auto it = hosts.find(r.address); it != hosts.end()) {
        for (auto [g, h] : it->second) {
          const std::vector<std::uint16_t>& ports = plan.groups[g].ports;
          auto p = std::find(ports.begin(), ports.end(), r.port);
          if (ports.size() > 1 && std::is_sorted(ports.begin(), ports.end())) {
            p = std::lower_bound(ports.begin(), ports.end(), r.port);
            if (p != ports.end() && *p != r.port) p = ports.end();
          }
          if (p == ports.end()) continue;
          index = group_start[g] + std::uint64_t{h} * ports.size() +
                  static_cast<std::uint64_t>(p - ports.begin());
          break;
        }
      }
      if (!index || (plan.shard_count > 1 && *index % plan.shard_count != plan.shard_index)) {
        throw UsageError(fmt::format("--resume: {} line {}: {} port {} is not a probe of this {}",
                                     quote(f.path), r.line_number, r.address, r.port,
                                     index ? "shard" : "scan"));
      }
      done->push_back(*index);
    }
  }
  std::sort(done->begin(), done->end());
  done->erase(std::unique(done->begin(), done->end()), done->end());
  return done;
}

std::set<std::string> resumed_unresolved(const std::vector<SavedScan>& files) {
  std::set<std::string> names;
  for (const SavedScan& f : files) {
    for (const SavedRecord& r : f.records) {
      if (r.state == "unresolved") names.insert(r.target);
    }
  }
  return names;
}

}  // namespace nbc::cli
