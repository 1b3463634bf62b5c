// Scans a port range on one address with the engine and prints the open ports.
//   scan_range 127.0.0.1 1-1024
#include <cstdio>
#include <mutex>

#include "nbconnect/nbconnect.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s ADDRESS PORTS\n", argv[0]);
    return 64;
  }
  auto address = nbc::parse_ip(argv[1]);
  auto ports = nbc::parse_port_list(argv[2]);
  if (!address || !ports) {
    std::fprintf(stderr, "%s\n", (!address ? address.error() : ports.error()).message.c_str());
    return 64;
  }
  nbc::ScanPlan plan;
  plan.groups.push_back({{*address}, *ports});
  nbc::EngineOptions options;  // 1s timeout, one retry, window from the descriptor limit
  std::mutex mutex;            // the callback runs on the engine's loop threads
  nbc::EngineStats stats =
      nbc::Engine(options).run(plan, [&](const nbc::Probe& probe, nbc::Outcome& outcome) {
        std::lock_guard lock(mutex);
        if (outcome.is_open()) std::printf("%u open\n", probe.port);
      });
  std::printf("%llu ports in %.3f s\n", static_cast<unsigned long long>(stats.probes),
              std::chrono::duration<double>(stats.elapsed).count());
}
