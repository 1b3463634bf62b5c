// make_stages(): which stages run after connect, in order (stage.hpp). Each kind of stage lives
// in its own file; this is the one place that chains them: a proxy's handshake first (it makes
// the tunnel), then the UDP probe, then the checks.
#include "check/check_stages.hpp"
#include "proxy/proxy_stage.hpp"
#include "stage.hpp"
#include "udp_probe.hpp"

namespace nbc::detail {

Stages make_stages(const Endpoint& target, const ConnectOptions& options) {
  Stages stages;
  if (through_proxy(target, options))
    stages.push_back(make_proxy_stage(target, options));  // the tunnel first
  if (options.protocol == Protocol::udp && target.family() != Family::unix_domain) {
    stages.push_back(std::make_unique<UdpProbe>(options));
  }
  // The checks (TLS, expect, HTTP: docs/checks.md) need a stream.
  if (options.check && options.protocol != Protocol::udp) {
    append_check_stages(stages, target, *options.check, options.trace);
  }
  return stages;
}

}  // namespace nbc::detail
