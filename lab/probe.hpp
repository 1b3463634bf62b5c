// Inside the lab module: the measuring steps over a staged scenario (probe.cpp), the library run
// over the same scenario with every method and poller (matrix.cpp), and the helpers they share.
#pragma once

#include <array>
#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "lab/lab.hpp"
#include "lab/scenarios.hpp"

namespace nbc::lab {

using Clock = std::chrono::steady_clock;

// Microseconds, to one decimal.
double micros(Clock::duration d);
// An errno as its name ("ECONNREFUSED"); null for 0.
Record errno_json(int err);

// The result of one system call: its return value, errno when it failed, and how long it took.
struct Call {
  long ret = 0;
  int err = 0;
  double us = 0;
};

template <typename F>
Call timed(F&& f) {
  errno = 0;
  auto start = Clock::now();
  long ret = static_cast<long>(f());
  int err = errno;
  auto took = Clock::now() - start;
  return {ret, ret < 0 ? err : 0, micros(took)};
}

// {"ret": r, "errno": name or null, "us": t}
Record call_json(const Call& c);
// poll() events as "IN|OUT|ERR|HUP" ("" for none).
std::string events_text(short revents);

// The UNIX-domain and UDP families (unix.cpp, udp.cpp), one function per scenario.
Record measure_unix(const Scenario& scenario, sandbox::Firewall& firewall,
                    std::chrono::milliseconds wait);
Record measure_udp(const Scenario& scenario, sandbox::Firewall& firewall,
                   std::chrono::milliseconds wait);
Record measure_udp_peers(const Scenario& scenario, sandbox::Firewall& firewall,
                         std::chrono::milliseconds wait);
Record measure_udp_rate(const Scenario& scenario, sandbox::Firewall& firewall,
                        std::chrono::milliseconds wait);

// The steps recorded for every scenario, in column order: the key in the record and the call as
// a reader knows it.
struct StepInfo {
  std::string_view key;
  std::string_view label;
};
const std::vector<StepInfo>& immediate_steps();
const std::vector<StepInfo>& after_wait_steps();

// Every step as plain system calls on fresh sockets, keyed as in the two lists above.
Record raw_steps(const Stage& stage, std::chrono::milliseconds wait);

// What the kernel answered, in one word: the immediate errno, the errno of SO_ERROR,
// "connected" or "no answer".
Record kernel_answer(const Record& steps);

// The library's detection methods and pollers, in the report's column order.
inline constexpr std::array<Method, 4> kMethods = {Method::so_error, Method::getpeername,
                                                   Method::reconnect, Method::zero_read};
inline constexpr std::array<Backend, 4> kBackends = {Backend::epoll, Backend::poll, Backend::select,
                                                     Backend::uring};

// nbconnect's own connect over the scenario, once per method × poller, each result compared with
// the scenario's truth.
Record library_matrix(const Scenario& scenario, const Stage& stage, std::chrono::milliseconds wait);

}  // namespace nbc::lab
