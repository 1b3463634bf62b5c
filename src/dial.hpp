// One dial (or resolution) of the Dialer: Happy Eyeballs v2 (RFC 8305) for one name. c-ares
// sockets are watched on the dialer's Reactor, each address is an attempt of the attempt driver,
// and one Timer per dial covers the Connection Attempt Delay, the Resolution Delay, c-ares
// retransmits and the overall deadline.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "driver.hpp"
#include "nbconnect/dialer.hpp"
#include "resolver.hpp"
#include "trace.hpp"

namespace nbc::detail {

class Dial final : private Timer {
 public:
  enum class Mode { dial, resolve };

  // `finished` is called once, from the reactor's dispatch, when the result is ready (the dial
  // must not be destroyed from inside it... it may be destroyed after it returns).
  Dial(Reactor& reactor, DialOptions options, Mode mode, std::function<void(Dial&)> finished);
  ~Dial();

  void start_with_addresses(std::vector<Endpoint> addresses, std::uint16_t port);
  void start_with_name(const std::string& host, std::uint16_t port);
  bool finished() const { return finished_; }
  DialResult take_result() { return std::move(result_); }
  Resolution take_resolution() { return std::move(resolution_); }

 private:
  struct FamilyState {
    bool asked = false;
    bool pending = false;
    int status = 0;
    std::deque<Endpoint> queue;  // resolved, not tried yet
  };

  // One address being (or having been) tried. Never moves: the driver refers to target.
  struct Slot final : Driver::Listener {
    Slot(Dial& dial, Reactor& reactor) : dial(dial), driver(reactor, *this) {}
    void on_attempt_done(Driver&, Outcome& outcome) override { dial.slot_done(*this, outcome); }
    Dial& dial;
    Endpoint target;
    bool done = false;
    Outcome outcome;
    Driver driver;  // last: it goes first
  };

  // A c-ares socket being watched.
  struct DnsWatch final : IoHandler {
    DnsWatch(Dial& dial, int fd) : dial(dial), fd(fd) {}
    void on_io(std::uint32_t events) override { dial.on_dns_io(fd, events); }
    Dial& dial;
    int fd;
  };

  void on_timer() override;
  void on_dns_io(int fd, std::uint32_t events);
  void on_dns_socket(int fd, bool readable, bool writable);
  void on_answer(const FamilyAnswer& a);
  bool family_wanted(Family f) const;
  bool has_queued() const;
  // An address is queued and the dial has not tried max_addresses yet.
  bool may_start() const;
  Endpoint pop_next();
  void set_deadline();
  void fail_unresolved(Reason reason, std::string detail, Clock::time_point now);
  void fail_resolution(Clock::time_point now);
  void finish_resolution();
  void finish();
  void slot_done(Slot& slot, Outcome& outcome);
  void win(Slot& slot, Outcome o, Clock::time_point now);
  void on_overall_deadline(Clock::time_point now);
  void build_order();
  void fail_all(Clock::time_point now);
  void collect(Clock::time_point now);
  void pump(Clock::time_point now);
  // Arms the timer for whatever comes next (or for the delivery of a finished result).
  void rearm(Clock::time_point now);

  Reactor& reactor_;
  DialOptions options_;
  Mode mode_;
  std::function<void(Dial&)> on_finished_;
  Trace trace_;
  std::string host_;
  Clock::time_point started_{};
  Clock::time_point deadline_ = Clock::time_point::max();
  std::uint16_t port_ = 0;
  std::unique_ptr<Resolver> resolver_;
  std::unordered_map<int, std::unique_ptr<DnsWatch>> dns_watches_;  // by c-ares descriptor
  FamilyState v6_, v4_;
  std::deque<Endpoint> fixed_;  // addresses given in order (literals, pre-resolved)
  Family next_family_ = Family::ipv6;
  bool can_connect_ = false;
  Clock::time_point resolution_delay_until_ = Clock::time_point::max();
  Clock::time_point next_start_ = Clock::time_point::min();
  std::vector<std::unique_ptr<Slot>> slots_;  // in start order
  std::vector<Endpoint> addresses_;
  bool finished_ = false;
  bool delivered_ = false;
  bool expiring_ = false;  // on_overall_deadline is ending the attempts
  DialResult result_;
  Resolution resolution_;
};

}  // namespace nbc::detail
