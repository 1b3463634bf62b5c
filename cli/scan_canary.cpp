// The scan's canary probes (scan_canary.hpp).
#include "scan_canary.hpp"

#include <algorithm>
#include <random>
#include <set>

#include "interrupt.hpp"

namespace nbc::cli {

// `record` receives each canary's outcome with the label of its host.
CanaryRun probe_canaries(
    const Targets& targets, const std::vector<HostOpen>& open_hosts,
    const EngineOptions& engine_options, std::uint64_t seed,
    const std::function<void(const Outcome&, const std::string&, std::uint16_t)>& record) {
  CanaryRun run;
  std::vector<CanaryReport>& reports = run.reports;
  ScanPlan plan;
  std::mt19937_64 random(seed ^ 0x63616e617279ULL);
  for (const HostOpen& h : open_hosts) {
    const ScanGroup& group = targets.groups[h.group];
    std::uint64_t open = h.open;
    std::uint64_t scanned = group.ports.size();
    if (open >= 2 && open * 10 >= scanned * 9) {
      CanaryReport report;
      report.label = targets.labels[h.group][h.host];
      report.address = group.hosts[h.host].address();
      report.open = open;
      report.scanned = scanned;
      std::set<std::uint16_t> scanned_ports(group.ports.begin(), group.ports.end());
      bool all_scanned = scanned_ports.size() >= 65535 - 1024;
      while (report.ports.size() < 3) {
        auto port = static_cast<std::uint16_t>(1024 + random() % (65536 - 1024));
        if (!all_scanned && scanned_ports.count(port)) continue;
        if (std::find(report.ports.begin(), report.ports.end(), port) != report.ports.end()) {
          continue;
        }
        report.ports.push_back(port);
      }
      plan.groups.push_back(ScanGroup{{group.hosts[h.host]}, report.ports});
      reports.push_back(std::move(report));
    }
  }
  if (reports.empty()) return run;
  EngineOptions options = engine_options;
  options.on_progress = nullptr;
  options.on_info = nullptr;
  options.threads = 1;
  Engine engine(options);
  StopOnSignal stop_on_signal(engine);
  EngineStats stats = engine.run(plan, [&](const Probe& probe, Outcome& outcome) {
    // With a check (scan --expect ...), a canary counts as open only if the check passed: a
    // middlebox that accepts every connection does not speak the service.
    if (outcome.is_open() && (!outcome.check || outcome.check->ok)) {
      ++reports[probe.group].canaries_open;
    }
    record(outcome, reports[probe.group].label, probe.port);
  });
  run.probes = stats.probes;
  run.elapsed = stats.elapsed;
  return run;
}

}  // namespace nbc::cli
