// Parameters of the UNIX-domain and UDP kernel tests: every entry point × every backend (the
// detection method does not matter there: a UNIX-domain connect and a UDP connect answer at
// once, and a UDP probe's answer is read by the probe itself).
#pragma once

#include <string>
#include <tuple>
#include <vector>

#include "kernel/matrix.hpp"

namespace nbc::test {

using FamilyParam = std::tuple<EntryPoint, Backend>;

inline std::vector<FamilyParam> family_cells() {
  std::vector<FamilyParam> cells;
  for (EntryPoint e : kEntryPoints) {
    for (Backend b : kBackends) {
      if (e == EntryPoint::embedded && b != kForeignSlot) continue;
      cells.emplace_back(e, b);
    }
  }
  return cells;
}

inline std::string family_param_name(const testing::TestParamInfo<FamilyParam>& info) {
  auto [entry, backend] = info.param;
  return std::string(to_string(entry)) + "_" +
         (entry == EntryPoint::embedded ? std::string("foreign") : std::string(to_string(backend)));
}

class FamilyMatrix : public testing::TestWithParam<FamilyParam> {
 protected:
  void SetUp() override {
    NBC_REQUIRE_NETNS();
    if (entry() != EntryPoint::embedded && !backend_available(backend())) {
      GTEST_SKIP() << "backend " << to_string(backend()) << " is not available on this kernel";
    }
  }
  EntryPoint entry() const { return std::get<0>(GetParam()); }
  Backend backend() const { return std::get<1>(GetParam()); }

  ConnectOptions options(std::chrono::milliseconds timeout = std::chrono::seconds(2)) const {
    ConnectOptions o;
    o.backend = backend();
    o.timeout = timeout;
    return o;
  }
  Outcome connect(const Endpoint& target, const ConnectOptions& options) const {
    return connect_through(entry(), target, options);
  }
};

#define NBC_INSTANTIATE_FAMILY_MATRIX(suite) \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, testing::ValuesIn(family_cells()), family_param_name)

}  // namespace nbc::test
