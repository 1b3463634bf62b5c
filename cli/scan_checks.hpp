// The checks after connect in a scan (--tls, --send/--expect, --http; docs/checks.md): they run
// only on the ports the scan found open, after the scan, on an engine of their own whose window
// is --check-concurrency (default 32), so a TLS handshake or an HTTP request never takes a scan
// probe's place and a host is not flooded with them. Each check is a new attempt with its own
// record: the port's outcome and its "check" object.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "check_options.hpp"
#include "nbconnect/engine.hpp"
#include "targets.hpp"

namespace nbc::cli {

// The open ports, collected from the scan's loops (one lock per open port only).
class OpenPorts {
 public:
  void add(const Probe& probe) {
    std::lock_guard<std::mutex> lock(mutex_);
    probes_.push_back(probe);
  }
  std::vector<Probe> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::move(probes_);
  }

 private:
  std::mutex mutex_;
  std::vector<Probe> probes_;
};

struct ScanChecks {
  std::uint64_t checked = 0;
  std::uint64_t failed = 0;
};

// Runs the checks of `words` on `open`; `write` receives each record (JSON) or line (text).
ScanChecks run_scan_checks(const Targets& targets, std::vector<Probe> open,
                           const EngineOptions& scan_options, const CheckWords& words,
                           unsigned concurrency, std::chrono::nanoseconds timeout, bool json,
                           const std::function<void(std::string_view)>& write);

}  // namespace nbc::cli
