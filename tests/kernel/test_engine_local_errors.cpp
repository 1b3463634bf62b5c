// In the engine, local errors are never remote answers: a transient EMFILE or EADDRNOTAVAIL is
// backed off from and retried with a fresh socket; only one that persists becomes an error.
#include "kernel/seam.hpp"
#include "test_engine_support.hpp"

namespace nbc::test {
namespace {

TEST(EngineLocalErrors, TransientEmfileIsRetriedNotReported) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1");
  Seam seam;
  detail::sys().socket = failing_socket;
  g_injected_errno = EMFILE;
  g_failures_left = 5;
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, port_range(8000, 8099)});
  plan.groups.push_back({{loopback()}, {a.port()}});
  EngineOptions options;
  options.threads = 1;
  Recorder recorder;
  EngineStats stats = Engine(options).run(plan, recorder.callback());
  EXPECT_GE(stats.local_retries, 5u);
  ASSERT_EQ(recorder.results().size(), 101u);
  for (const auto& [key, r] : recorder.results()) {
    EXPECT_NE(r.state, State::error) << std::get<2>(key);
  }
}

TEST(EngineLocalErrors, TransientEaddrnotavailFromConnectIsRetried) {
  NBC_REQUIRE_NETNS();
  Seam seam;
  detail::sys().connect = failing_connect;
  g_injected_errno = EADDRNOTAVAIL;
  g_failures_left = 3;
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, port_range(8000, 8009)});
  EngineOptions options;
  options.threads = 1;
  Recorder recorder;
  Engine(options).run(plan, recorder.callback());
  for (const auto& [key, r] : recorder.results()) EXPECT_EQ(r.state, State::closed);
}

TEST(EngineLocalErrors, PersistentEmfileBecomesLocalResourcesError) {
  NBC_REQUIRE_NETNS();
  Seam seam;
  detail::sys().socket = failing_socket;
  g_injected_errno = EMFILE;
  g_failures_left = 1 << 30;
  ScanPlan plan;
  plan.groups.push_back({{loopback()}, {8000}});
  EngineOptions options;
  options.threads = 1;
  Recorder recorder;
  Engine(options).run(plan, recorder.callback());
  ASSERT_EQ(recorder.results().size(), 1u);
  const Recorded& r = recorder.results().begin()->second;
  EXPECT_EQ(r.state, State::error);
  EXPECT_EQ(r.reason, Reason::local_resources);
  EXPECT_GT(r.attempts, 1);
}

}  // namespace
}  // namespace nbc::test
