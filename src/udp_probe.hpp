// The UDP probe: the stage after a datagram connect (stage.hpp). connect() on a UDP socket only
// sets the peer; the answer comes from sending. The probe sends its payload (again, evenly spaced,
// when ConnectOptions::udp_resends asks), then waits for the socket to turn readable: a datagram
// is open/udp-response; an ICMP error, which a connected UDP socket learns only on its next call,
// is read from the socket's error queue (IP_RECVERR) to tell port-unreachable (closed) from
// host, net and administratively prohibited (filtered); silence until the deadline is
// open|filtered/no-response, as nmap says it.
#pragma once

#include "stage.hpp"
#include "trace.hpp"

namespace nbc::detail {

class UdpProbe final : public Stage {
 public:
  explicit UdpProbe(const ConnectOptions& options) : options_(options), trace_(&options.trace) {}

  Want start(int fd, Clock::time_point now, Clock::time_point deadline) override;
  Want on_ready(int fd, Clock::time_point now) override;
  Clock::time_point wake_at() const override { return next_send_; }
  Want on_wake(int fd, Clock::time_point now) override;
  void on_deadline(Clock::time_point now) override;
  bool finish(Outcome& outcome) override;

 private:
  Want send_probe(int fd, Clock::time_point now);
  Want failed(int fd, int err, Phase phase, Clock::time_point now);

  const ConnectOptions& options_;
  Trace trace_;
  Clock::time_point first_sent_{};
  Clock::time_point next_send_ = Clock::time_point::max();
  Clock::duration interval_{};
  int sends_ = 0;
  // The result, written into the outcome by finish().
  State state_ = State::open_filtered;
  Reason reason_ = Reason::no_response;
  int error_ = 0;
  Phase phase_ = Phase::deadline;
  Clock::time_point answered_{};
};

}  // namespace nbc::detail
