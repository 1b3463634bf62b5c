// In the engine, local errors are never remote answers: a transient EMFILE or EADDRNOTAVAIL is
// backed off from and retried with a fresh socket; only one that persists becomes an error.
#include "sys.hpp"
#include "test_engine_support.hpp"

namespace nbc::test {
namespace {

std::atomic<int> g_failures_left{0};
int g_errno = 0;

int failing_socket(int domain, int type, int protocol) {
  if (g_failures_left.fetch_sub(1) > 0) {
    errno = g_errno;
    return -1;
  }
  return ::socket(domain, type, protocol);
}

int failing_connect(int fd, const sockaddr* addr, socklen_t len) {
  if (g_failures_left.fetch_sub(1) > 0) {
    errno = g_errno;
    return -1;
  }
  return ::connect(fd, addr, len);
}

class Seam {
 public:
  Seam() : saved_(detail::sys()) {}
  ~Seam() { detail::sys() = saved_; }

 private:
  detail::SysCalls saved_;
};

TEST(EngineLocalErrors, TransientEmfileIsRetriedNotReported) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1");
  Seam seam;
  detail::sys().socket = failing_socket;
  g_errno = EMFILE;
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
  g_errno = EADDRNOTAVAIL;
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
  g_errno = EMFILE;
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
