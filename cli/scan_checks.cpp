// The checks after connect on a scan's open ports (scan_checks.hpp).
#include "scan_checks.hpp"

#include <algorithm>
#include <map>

#include "common.hpp"
#include "output.hpp"
#include "record_writer.hpp"
#include "xml_output.hpp"

namespace nbc::cli {

ScanChecks run_scan_checks(const Targets& targets, std::vector<Probe> open,
                           const EngineOptions& scan_options, const CheckWords& words,
                           unsigned concurrency, std::chrono::nanoseconds timeout, bool json,
                           const std::function<void(std::string_view)>& write) {
  ScanChecks result;
  std::sort(open.begin(), open.end(), [](const Probe& a, const Probe& b) {
    return std::tie(a.group, a.host, a.port) < std::tie(b.group, b.host, b.port);
  });
  // One engine run per host: the SNI name and the Host header are the host's own label.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::uint16_t>> by_host;
  for (const Probe& p : open) by_host[{p.group, p.host}].push_back(p.port);
  for (const auto& [where, ports] : by_host) {
    const std::string& label = targets.labels[where.first][where.second];
    const Endpoint& address = targets.groups[where.first].hosts[where.second];
    EngineOptions options = scan_options;
    options.on_progress = nullptr;
    options.on_info = nullptr;
    options.threads = 1;
    options.concurrency = concurrency;
    options.retries = 0;
    options.timing.adaptive = false;  // a check has the whole timeout, not a round trip's
    options.connect.timeout = timeout;
    options.connect.check = to_check_options(words, label, label_is_host_name(label));
    ScanPlan plan;
    plan.order = Order::serial;
    plan.groups.push_back(ScanGroup{{address}, ports});
    std::string out;
    Engine(options).run(plan, [&](const Probe& probe, Outcome& outcome) {
      ++result.checked;
      if (!outcome.is_open() || !outcome.check || !outcome.check->ok) ++result.failed;
      if (json) {
        append_json_record(out, outcome, label, probe.port, record_method());
      } else {
        out += outcome_text(outcome, label) + "\n";
      }
    });
    write(out);
  }
  return result;
}

}  // namespace nbc::cli
