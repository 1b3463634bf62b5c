// A scan's plan as the first line of its NDJSON output, and that output read back: `--resume`
// takes the probes a previous run of the same plan finished and leaves them out; `merge` joins
// the outputs of a plan's shards. Neither is on the scan's hot path: nlohmann-json is used here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "nbconnect/engine.hpp"
#include "targets.hpp"

namespace nbc::cli {

// Bumped whenever the plan's fields or the meaning of a probe index change.
inline constexpr int kPlanVersion = 1;

// The plan of a scan: everything that decides which probes it sends and in what order.
// {"version":1,"targets":[words],"exclude":[words],"family":"any","ports":"1-1024,8080",
//  "order":"random","seed":"N","shard":"I/N","probes":N,"hosts":N,"digest":"...",
//  "records":"all"} — "targets" lists the words of the command line and -iL files (past 1,000
// words: {"count":N,"fnv1a64":"..."}); "digest" covers the resolved addresses and ports of every
// probe in index order, so a name that now resolves elsewhere is a different plan; "records" is
// "open" under --open (such an output cannot be resumed or merged).
nlohmann::ordered_json plan_json(const TargetRequest& request, const ScanPlan& plan,
                                 const Targets& targets, bool open_only,
                                 Protocol protocol = Protocol::tcp);
// {"plan":{...}} and a newline: the first line of `scan --json`.
std::string plan_line(const nlohmann::ordered_json& plan);

// One record of a scan's NDJSON output, as far as resume and merge need it.
struct SavedRecord {
  std::string line;  // as written, without the newline
  std::size_t line_number = 0;
  std::string target;
  std::string address;  // "" for an unresolved name
  std::uint16_t port = 0;
  std::string state;
  bool canary = false;
};

struct SavedScan {
  std::string path;
  std::vector<nlohmann::json> plans;  // every plan line (a file appended to holds several)
  std::vector<SavedRecord> records;
  bool truncated = false;  // the last line had no newline (a killed run): ignored
};

// Reads an NDJSON output of `scan --json`. A last line without its newline is ignored (that
// probe is scanned again); any other line that is not JSON, a file without a plan line, or plan
// lines that differ, are a UsageError naming `option`, the file and the line.
SavedScan read_saved_scan(const std::string& option, const std::string& path);
// The same for a file's text already read (`path` only names it in messages).
SavedScan parse_saved_scan(const std::string& option, const std::string& path,
                           std::string_view text);

// The first part where two plans differ ("" when none), as "the plans differ in ports: FILE has
// X, this scan has Y"; the shard is left out with ignore_shard, "records" always.
std::string plan_difference(const nlohmann::json& saved, const nlohmann::json& now,
                            bool ignore_shard, const std::string& saved_name,
                            const std::string& now_name);

// A plan read back, its fields in the order plan_json() writes them.
nlohmann::ordered_json ordered_plan(const nlohmann::json& plan);

// A plan's field as text or number; "" or 0 when it is missing or of another type (a file is
// input: a wrong type is never an exception from the JSON library).
std::string text_field(const nlohmann::json& plan, const char* key);
std::uint64_t number_field(const nlohmann::json& plan, const char* key);

// --resume: the seed the saved plan used (UsageError when it has none).
std::uint64_t saved_seed(const SavedScan& saved);
// --resume: checks every file's plan against `now` and returns the canonical indices of the
// probes they hold, sorted, each once. Throws UsageError when a plan differs or a record is not
// a probe of this plan's shard.
std::shared_ptr<const std::vector<std::uint64_t>> resumed_probes(
    const std::vector<SavedScan>& files, const nlohmann::ordered_json& now, const ScanPlan& plan);
// --resume: the names whose unresolved records the files hold already (not written again).
std::set<std::string> resumed_unresolved(const std::vector<SavedScan>& files);

}  // namespace nbc::cli
