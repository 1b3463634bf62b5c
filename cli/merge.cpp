// nbconnect merge FILE...: the NDJSON outputs of a scan's shards (or of a scan and its resumed
// runs) joined into one result: their plans must agree but for the shard, every shard 1..N must
// be there and no probe may appear twice. Prints the one table and summary, or with --json the
// plan line (as shard 1/1) and every record once.
#include <arpa/inet.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <set>

#include "common.hpp"
#include "output.hpp"
#include "resume.hpp"
#include "subcommands.hpp"

namespace nbc::cli {
namespace {

struct MergeOptions {
  std::vector<std::string> files;
  bool json = false;
  bool open_only = false;
};

// Sorts addresses by family and number, not as text ("127.0.0.2" before "127.0.0.10").
std::array<unsigned char, 17> address_order(const std::string& address) {
  std::array<unsigned char, 17> key{};
  if (::inet_pton(AF_INET, address.c_str(), key.data() + 1) == 1) return key;
  key[0] = 1;
  std::string plain = address.substr(0, address.find('%'));
  ::inet_pton(AF_INET6, plain.c_str(), key.data() + 1);
  return key;
}

std::pair<std::uint32_t, std::uint32_t> parse_shard_text(const std::string& path,
                                                         const nlohmann::json& plan) {
  std::string text = text_field(plan, "shard");
  std::size_t slash = text.find('/');
  try {
    if (slash == std::string::npos) throw UsageError("");
    auto count = number_option("shard", text.substr(slash + 1), 1, 1u << 20);
    auto index = number_option("shard", text.substr(0, slash), 1, count);
    return {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(count)};
  } catch (const UsageError&) {
    throw UsageError("merge: " + quote(path) + " has no valid shard in its plan");
  }
}

int run_merge(const MergeOptions& o) {
  std::vector<SavedScan> files;
  for (const std::string& path : o.files) files.push_back(read_saved_scan("merge", path));
  const nlohmann::json& first = files.front().plans.front();
  std::set<std::uint32_t> shards;
  std::uint32_t shard_count = 0;
  for (const SavedScan& f : files) {
    const nlohmann::json& plan = f.plans.front();
    if (text_field(plan, "records") != "all") {
      throw UsageError("merge: " + quote(f.path) +
                       " is the output of a scan run with --open: it lacks the closed and "
                       "filtered ports");
    }
    std::string diff = plan_difference(plan, first, true, f.path, files.front().path);
    if (!diff.empty()) throw UsageError("merge: not shards of one plan: " + diff);
    auto [index, count] = parse_shard_text(f.path, plan);
    if (shard_count && count != shard_count) {
      throw UsageError(fmt::format("merge: {} is shard {}/{}, {} one of {}", quote(f.path), index,
                                   count, quote(files.front().path), shard_count));
    }
    shard_count = count;
    shards.insert(index);
  }
  for (std::uint32_t i = 1; i <= shard_count; ++i) {
    if (!shards.count(i)) {
      throw UsageError(
          fmt::format("merge: shard {}/{} is missing (give every shard's output)", i, shard_count));
    }
  }

  // Every probe once; an unresolved name's records come from every shard and are kept once.
  std::map<std::pair<std::string, std::uint16_t>, std::pair<const SavedScan*, std::size_t>> seen;
  std::set<std::pair<std::string, std::uint16_t>> unresolved;
  std::vector<const SavedRecord*> kept;
  std::map<std::string, std::uint64_t> counts;
  std::uint64_t probes = 0;
  for (const SavedScan& f : files) {
    for (const SavedRecord& r : f.records) {
      if (r.address.empty()) {
        if (unresolved.emplace(r.target, r.port).second) kept.push_back(&r);
        continue;
      }
      if (!r.canary) {
        auto [it, fresh] = seen.emplace(std::pair(r.address, r.port), std::pair(&f, r.line_number));
        if (!fresh) {
          throw UsageError(fmt::format("merge: {} port {} is in {} line {} and in {} line {}",
                                       r.address, r.port, quote(it->second.first->path),
                                       it->second.second, quote(f.path), r.line_number));
        }
        ++probes;
        ++counts[r.state];
      }
      kept.push_back(&r);
    }
  }

  std::uint64_t planned = number_field(first, "probes");
  std::uint64_t hosts = number_field(first, "hosts");
  if (o.json) {
    nlohmann::json merged = first;
    merged["shard"] = "1/1";
    print_out(plan_line(ordered_plan(merged)));
    std::string out;
    for (const SavedRecord* r : kept) {
      if (o.open_only && r->state != "open") continue;
      out += r->line;
      out += '\n';
    }
    print_out(out);
  } else {
    // The table of scan: the ports that are not closed, host by host.
    std::vector<const SavedRecord*> rows;
    for (const SavedRecord* r : kept) {
      if (r->address.empty() || r->canary) continue;
      if (o.open_only ? r->state == "open" : r->state != "closed") rows.push_back(r);
    }
    std::sort(rows.begin(), rows.end(), [](const SavedRecord* a, const SavedRecord* b) {
      return std::pair(address_order(a->address), a->port) <
             std::pair(address_order(b->address), b->port);
    });
    std::string out;
    for (std::size_t i = 0; i < rows.size();) {
      const SavedRecord& head = *rows[i];
      fmt::format_to(std::back_inserter(out), "{}\n  {:<11} {}\n",
                     head.target == head.address
                         ? head.address
                         : fmt::format("{} ({})", head.address, head.target),
                     "PORT", "STATE");
      for (; i < rows.size() && rows[i]->address == head.address; ++i) {
        fmt::format_to(std::back_inserter(out), "  {:<11} {}\n",
                       fmt::format("{}/tcp", rows[i]->port), rows[i]->state);
      }
    }
    print_out(out);
  }
  std::string summary = fmt::format(
      "{} port{} on {} host{}: {} open, {} closed, {} filtered, {} error (merged from {} file{}, "
      "{} shard{})",
      probes, probes == 1 ? "" : "s", hosts, hosts == 1 ? "" : "s", counts["open"],
      counts["closed"], counts["filtered"], counts["error"], files.size(),
      files.size() == 1 ? "" : "s", shard_count, shard_count == 1 ? "" : "s");
  bool complete = probes == planned;
  if (!complete) {
    summary += fmt::format(
        "; incomplete: {} of {} ports missing (resume the shards that were "
        "interrupted)",
        planned - probes, planned);
  }
  summary += '\n';
  if (o.json) {
    print_err(summary);
  } else {
    print_out(summary);
  }
  return complete ? 0 : 1;
}

}  // namespace

Subcommand setup_merge(CLI::App& app) {
  auto options = std::make_shared<MergeOptions>();
  CLI::App* sub = app.add_subcommand(
      "merge", "Join the --json outputs of a scan's shards (or resumed runs) into one result");
  sub->add_option("files", options->files, "NDJSON outputs of scan --json, one per shard or run")
      ->required()
      ->type_name("FILE");
  sub->add_flag("--json", options->json, "The plan line and every record once, on stdout");
  sub->add_flag("--open", options->open_only, "Report only open ports");
  return {sub, [options] { return run_merge(*options); }};
}

}  // namespace nbc::cli
