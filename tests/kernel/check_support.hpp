// Support for the kernel tests of the checks after connect: one check run over a chosen poller
// backend with the stage runner, against the peers of support/check_peers.hpp.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "check/check_stages.hpp"
#include "nbconnect/check.hpp"
#include "nbconnect/event_loop.hpp"
#include "support/check_peers.hpp"
#include "support/loopback.hpp"
#include "support/netns_main.hpp"
#include "support/stage_runner.hpp"

namespace nbc::test {

inline std::chrono::nanoseconds cpu_time() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct CheckRun {
  Outcome outcome;
  std::chrono::nanoseconds wall{0};
  std::chrono::nanoseconds cpu{0};
  long waits = 0;
  long turns = 0;
  std::vector<std::string> trace;
  bool ran = false;
};

// Connects to port, runs the checks `options` ask for over `backend` with `timeout` as the
// deadline, and closes the socket.
inline CheckRun run_check(const CheckOptions& options, std::uint16_t port, Backend backend,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
  CheckRun run;
  run.outcome.state = State::open;
  run.outcome.reason = Reason::syn_ack;
  int fd = connect_loopback(port);
  if (fd < 0) return run;
  EventLoopOptions lo;
  lo.backend = backend;
  EventLoop loop(lo);
  Tracer tracer = [&run](std::string_view line) { run.trace.emplace_back(line); };
  Endpoint target = *parse_ip("127.0.0.1", port);
  detail::Stages stages;
  detail::append_check_stages(stages, target, options, tracer);
  StageRunner runner(loop);
  auto start = Clock::now();
  auto cpu_start = cpu_time();
  run.ran = runner.run(stages, fd, start + timeout, run.outcome);
  run.wall = Clock::now() - start;
  run.cpu = cpu_time() - cpu_start;
  run.waits = runner.waits;
  run.turns = runner.turns;
  stages.clear();
  ::close(fd);
  return run;
}

inline std::string trace_text(const CheckRun& run) {
  std::string text;
  for (const std::string& line : run.trace) text += line + "\n";
  if (run.outcome.check) {
    text += "reason=" + std::string(run.outcome.check->reason_name()) +
            " detail=" + run.outcome.check->detail + "\n";
  }
  return text;
}

class CheckBackends : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!netns_error().empty()) GTEST_SKIP() << netns_error();
    if (!backend_available(GetParam())) {
      GTEST_SKIP() << to_string(GetParam()) << " is not available on this kernel";
    }
  }
};

#define NBC_INSTANTIATE_BACKENDS(suite)                                                \
  INSTANTIATE_TEST_SUITE_P(                                                            \
      AllBackends, suite,                                                              \
      testing::Values(Backend::epoll, Backend::poll, Backend::select, Backend::uring), \
      [](const auto& info) { return std::string(to_string(info.param)); })

}  // namespace nbc::test
