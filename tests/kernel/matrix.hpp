// Parameters shared by the kernel connect tests: every backend × every detection method.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <tuple>

#include "nbconnect/nbconnect.hpp"
#include "support/netns_main.hpp"

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
}  // namespace nbc

namespace nbc::test {

using Param = std::tuple<Backend, Method>;

inline std::string param_name(const testing::TestParamInfo<Param>& info) {
  std::string name = std::string(to_string(std::get<0>(info.param))) + "_" +
                     std::string(to_string(std::get<1>(info.param)));
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

inline auto all_backends() {
  return testing::Values(Backend::epoll, Backend::poll, Backend::select, Backend::uring);
}
inline auto all_methods() {
  return testing::Values(Method::so_error, Method::getpeername, Method::reconnect,
                         Method::zero_read);
}

class ConnectMatrix : public testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    NBC_REQUIRE_NETNS();
    if (!backend_available(backend())) {
      GTEST_SKIP() << "backend " << to_string(backend()) << " is not available on this kernel";
    }
  }
  Backend backend() const { return std::get<0>(GetParam()); }
  Method method() const { return std::get<1>(GetParam()); }

  ConnectOptions options(std::chrono::milliseconds timeout = std::chrono::seconds(2)) const {
    ConnectOptions o;
    o.backend = backend();
    o.method = method();
    o.timeout = timeout;
    o.linger_zero = true;
    return o;
  }

  // A failure that the kernel reports only after the wait. zero-read cannot see it: it calls
  // every completed connect a success, and that known error is what is asserted for it.
  void expect_failure(const Outcome& o, State state, Reason reason, int err) const {
    if (method() == Method::zero_read && o.phase != Phase::connect) {
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

#define NBC_INSTANTIATE_MATRIX(suite)                                                      \
  INSTANTIATE_TEST_SUITE_P(Matrix, suite, testing::Combine(all_backends(), all_methods()), \
                           param_name)

}  // namespace nbc::test
