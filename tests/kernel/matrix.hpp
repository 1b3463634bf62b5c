// Parameters shared by the kernel connect tests: every entry point × every backend × every
// detection method. The entry points are the four ways a program reaches the attempt driver:
// nbc::connect, the engine, the dialer, and a Connector on a loop the caller owns.
#pragma once

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include "kernel/foreign_reactor.hpp"
#include "nbconnect/nbconnect.hpp"
#include "support/netns_main.hpp"

namespace nbc::test {

// How the attempt is reached.
enum class EntryPoint : std::uint8_t {
  connect,   // nbc::connect: blocking, on a private EventLoop
  engine,    // nbc::Engine::run with a one-probe plan (IORING_OP_CONNECT with Backend::uring)
  dialer,    // nbc::Dialer on its own EventLoop, dialing one address
  embedded,  // nbc::Connector on ForeignReactor, a hand-written poll() loop (no Backend)
};

inline std::string_view to_string(EntryPoint e) {
  switch (e) {
    case EntryPoint::connect:
      return "connect";
    case EntryPoint::engine:
      return "engine";
    case EntryPoint::dialer:
      return "dialer";
    case EntryPoint::embedded:
      return "embedded";
  }
  return "?";
}

}  // namespace nbc::test

namespace nbc {
// Readable names in assertion messages.
inline void PrintTo(State s, std::ostream* os) {
  *os << to_string(s);
}
inline void PrintTo(Reason r, std::ostream* os) {
  *os << reason_name(r, 0);
}
inline void PrintTo(Phase p, std::ostream* os) {
  *os << to_string(p);
}
inline void PrintTo(Backend b, std::ostream* os) {
  *os << to_string(b);
}
inline void PrintTo(Method m, std::ostream* os) {
  *os << to_string(m);
}
namespace test {
inline void PrintTo(EntryPoint e, std::ostream* os) {
  *os << to_string(e);
}
}  // namespace test
}  // namespace nbc

namespace nbc::test {

using Param = std::tuple<EntryPoint, Backend, Method>;

// The embedded entry point runs on the caller's loop, so it has no Backend of its own: it runs
// once per method, on ForeignReactor, and its cells are named "foreign". (A Connector on an
// EventLoop of each backend would only repeat the connect column: nbc::connect is exactly that,
// src/connect.cpp.)
inline constexpr Backend kForeignSlot = Backend::poll;

inline std::string param_name(const testing::TestParamInfo<Param>& info) {
  auto [entry, backend, method] = info.param;
  std::string name =
      std::string(to_string(entry)) + "_" +
      (entry == EntryPoint::embedded ? std::string("foreign") : std::string(to_string(backend))) +
      "_" + std::string(to_string(method));
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

inline const Backend kBackends[] = {Backend::epoll, Backend::poll, Backend::select, Backend::uring};
inline const Method kMethods[] = {Method::so_error, Method::getpeername, Method::reconnect,
                                  Method::zero_read};
inline const EntryPoint kEntryPoints[] = {EntryPoint::connect, EntryPoint::engine,
                                          EntryPoint::dialer, EntryPoint::embedded};

inline auto all_backends() {
  return testing::ValuesIn(kBackends);
}

// Every (entry point, backend, method) cell: 3 × 4 × 4 through nbc::EventLoop, plus 4 on the
// foreign loop.
inline std::vector<Param> matrix_cells() {
  std::vector<Param> cells;
  for (EntryPoint e : kEntryPoints) {
    for (Backend b : kBackends) {
      if (e == EntryPoint::embedded && b != kForeignSlot) continue;
      for (Method m : kMethods) cells.emplace_back(e, b, m);
    }
  }
  return cells;
}

// One attempt through the given entry point, run to its outcome. The engine and the dialer
// throw std::system_error when they cannot make their event loop.
inline Outcome connect_through(EntryPoint entry, const Endpoint& target,
                               const ConnectOptions& options) {
  switch (entry) {
    case EntryPoint::connect:
      return nbc::connect(target, options);
    case EntryPoint::engine: {
      EngineOptions eo;
      eo.connect = options;
      eo.retries = 0;  // no second probe after no-response: one attempt, as elsewhere
      eo.threads = 1;
      ScanPlan plan;
      plan.groups.push_back(ScanGroup{{target}, {target.port()}});
      Outcome out;
      int calls = 0;
      Engine(eo).run(plan, [&](const Probe&, Outcome& o) {
        ++calls;
        out = std::move(o);
      });
      EXPECT_EQ(calls, 1) << "the engine must report its one probe exactly once";
      return out;
    }
    case EntryPoint::dialer: {
      Dialer dialer(options.backend);
      DialOptions dopts;
      dopts.connect = options;
      Outcome out;
      int calls = 0;
      dialer.dial(std::vector<Endpoint>{target}, dopts, [&](DialResult r) {
        ++calls;
        out = std::move(r.outcome);
      });
      dialer.run();
      EXPECT_EQ(calls, 1) << "the dialer must call back exactly once";
      return out;
    }
    case EntryPoint::embedded: {
      ForeignReactor loop;
      Outcome out;
      bool done = false;
      Connector connector(loop);
      connector.start(target, options, [&](Outcome o) {
        out = std::move(o);
        done = true;
      });
      while (!done) loop.run_once();
      EXPECT_FALSE(loop.busy()) << "the driver left a watch or a timer behind on the caller's loop";
      return out;
    }
  }
  return {};
}

// CPU (user + system, every thread of the process) and wall time spent in a call.
struct Cost {
  std::chrono::microseconds cpu{0};
  std::chrono::microseconds wall{0};
};

template <typename F>
Cost measure_cost(F&& f) {
  auto cpu_now = [] {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    auto us = [](const timeval& t) {
      return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
    };
    return std::chrono::duration_cast<std::chrono::microseconds>(us(r.ru_utime) + us(r.ru_stime));
  };
  auto cpu0 = cpu_now();
  auto wall0 = std::chrono::steady_clock::now();
  f();
  Cost c;
  c.wall = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 wall0);
  c.cpu = cpu_now() - cpu0;
  return c;
}

// A test over (entry point, backend, ...) cells: in a private namespace, skipped (with the
// reason) where the backend is not available.
template <typename P>
class EntryBackendTest : public testing::TestWithParam<P> {
 protected:
  void SetUp() override {
    NBC_REQUIRE_NETNS();
    if (entry() != EntryPoint::embedded && !backend_available(backend())) {
      GTEST_SKIP() << "backend " << to_string(backend()) << " is not available on this kernel";
    }
  }
  EntryPoint entry() const { return std::get<0>(this->GetParam()); }
  Backend backend() const { return std::get<1>(this->GetParam()); }
};

class ConnectMatrix : public EntryBackendTest<Param> {
 protected:
  Method method() const { return std::get<2>(GetParam()); }

  // With Backend::uring the engine connects through IORING_OP_CONNECT: the kernel makes the
  // connect() itself (no sys().connect call) and its completion carries the errno, which the
  // method only double-checks when it is 0.
  bool completion_connect() const {
    return entry() == EntryPoint::engine && backend() == Backend::uring;
  }

  // Why a test of the connect() seam (detail::sys().connect) skips the completion path.
  static constexpr const char* kNoConnectCall =
      "the engine on uring connects with IORING_OP_CONNECT: the kernel makes the connect itself "
      "and the sys().connect seam is never called";

  ConnectOptions options(std::chrono::milliseconds timeout = std::chrono::seconds(2)) const {
    ConnectOptions o;
    o.backend = backend();
    o.method = method();
    o.timeout = timeout;
    o.linger_zero = true;
    return o;
  }

  // The attempt, through this cell's entry point. Tests call it unqualified; as a member it
  // hides nbc::connect and ::connect, so the system call must be written ::connect.
  Outcome connect(const Endpoint& target, const ConnectOptions& options) const {
    return connect_through(entry(), target, options);
  }

  // A failure that the kernel reports only after the wait. zero-read cannot see it: it calls
  // every completed connect a success, and that known error is what is asserted for it. On the
  // completion path the completion itself carries an errno such as ECONNREFUSED, and zero-read
  // is then not asked; but an ICMP soft error completes IORING_OP_CONNECT with 0 and leaves the
  // verdict to the method (completion_has_errno = false).
  void expect_failure(const Outcome& o, State state, Reason reason, int err,
                      bool completion_has_errno = true) const {
    const bool errno_without_method =
        o.phase == Phase::connect || (completion_connect() && completion_has_errno);
    if (method() == Method::zero_read && !errno_without_method) {
      EXPECT_EQ(o.state, State::open) << "zero-read was expected to be fooled";
      return;
    }
    EXPECT_EQ(o.state, state);
    EXPECT_EQ(o.reason, reason) << o.reason_name();
    EXPECT_EQ(o.error, err) << errno_name(o.error);
    EXPECT_FALSE(o.socket) << "a failed connect must not hand back a socket";
  }
};

// Endpoint for a loopback literal and port; the literal is a test constant, so a parse failure
// is a bug in the test.
inline Endpoint ep(const char* address, std::uint16_t port) {
  auto parsed = parse_ip(address, port);
  EXPECT_TRUE(parsed.has_value()) << address;
  return parsed ? *parsed : Endpoint{};
}

#define NBC_INSTANTIATE_MATRIX(suite) \
  INSTANTIATE_TEST_SUITE_P(Matrix, suite, testing::ValuesIn(matrix_cells()), param_name)

}  // namespace nbc::test
