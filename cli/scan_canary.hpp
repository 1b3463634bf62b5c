// The scan's canary probes (cli/scan.cpp): a host open on 90% or more of its scanned ports is
// probed on three random ports above 1023 that the scan did not ask for; if they answer too,
// something in the path answers for every port (docs/outcomes.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nbconnect/engine.hpp"
#include "scan_output.hpp"
#include "targets.hpp"

namespace nbc::cli {

// A host that answers on (nearly) every port is probed on random high ports that are not in the
// scan; if those answer too, something in the path answers for every port. These probes are the
// scan's own: counted and timed in the summary, flagged in the records, off with --no-canary.
struct CanaryReport {
  std::string label;
  std::string address;
  std::uint64_t open = 0;
  std::uint64_t scanned = 0;
  std::vector<std::uint16_t> ports;
  int canaries_open = 0;
};

struct CanaryRun {
  std::vector<CanaryReport> reports;
  std::uint64_t probes = 0;
  std::chrono::nanoseconds elapsed{0};
};

// `record` receives each canary's outcome with the label of its host.
CanaryRun probe_canaries(
    const Targets& targets, const std::vector<HostOpen>& open_hosts,
    const EngineOptions& engine_options, std::uint64_t seed,
    const std::function<void(const Outcome&, const std::string&, std::uint16_t)>& record);

}  // namespace nbc::cli
