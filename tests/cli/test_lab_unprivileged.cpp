// `nbconnect lab` without the privilege for a network namespace: it runs the loopback scenarios on
// the loopback it has and names every scenario it skipped, with the reason.
#include <sys/stat.h>
#include <unistd.h>

#include "cli/test_lab_support.hpp"

namespace nbc::test {
namespace {

using lab::Json;

const std::set<std::string> kLoopbackScenarios = {"listening", "nothing-listening", "self-connect",
                                                  "backlog-full"};

// Whether user `nobody` can run the program: every directory on its path must be searchable.
bool nobody_can_run(std::string path) {
  while (!path.empty()) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !(st.st_mode & S_IXOTH)) return false;
    path = path.substr(0, path.rfind('/'));
  }
  return true;
}

void expect_fallback(const lab::LabRun& lab) {
  ASSERT_EQ(lab.run.exit_code, 0) << lab.run.err;
  auto names = lab::listed_scenarios();
  ASSERT_EQ(lab.records.size(), names.size()) << lab.run.out;
  for (const Json& r : lab.records) {
    std::string name = r["scenario"];
    EXPECT_EQ(r["isolation"], "host-loopback") << name;
    if (kLoopbackScenarios.contains(name)) {
      EXPECT_TRUE(r["skipped"].is_null()) << name << ": " << r["skipped"];
    } else if (r["needs"] == "loopback") {
      // ::1 may be missing where IPv6 is off: then it is skipped, with a reason.
      if (r["skipped"].is_string()) {
        EXPECT_FALSE(r["skipped"].get<std::string>().empty());
      }
    } else {
      ASSERT_TRUE(r["skipped"].is_string()) << name << " ran without a namespace";
      std::string why = r["skipped"];
      EXPECT_NE(why.find("namespace"), std::string::npos) << why;
      EXPECT_NE(why.find("EPERM"), std::string::npos) << why;
    }
  }
  // The loopback facts hold on the host's loopback too.
  const Json& refused = lab.by_name.at("nothing-listening");
  EXPECT_EQ(lab::so_error_value(refused), "ECONNREFUSED");
  EXPECT_EQ(lab::step_signal(refused, "write-again"), "SIGPIPE");
  EXPECT_EQ(lab::method_result(refused, "so-error", "epoll").value("correct", false), true);
  EXPECT_EQ(
      lab::method_result(lab.by_name.at("self-connect"), "so-error", "epoll").value("reason", ""),
      "self-connect");
}

TEST(LabUnprivileged, AsNobodyRunsTheLoopbackScenariosAndSaysWhatItSkipped) {
  NBC_REQUIRE_NETNS();  // the loopback it falls back to is this test's private one
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to become nobody";
  if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv is missing";
  if (!nobody_can_run(NBC_PROGRAM)) GTEST_SKIP() << "nobody cannot reach " << NBC_PROGRAM;
  std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                        "--clear-groups"};
  expect_fallback(lab::run_lab_json({}, as_nobody));

  // The Markdown report lists the skipped scenarios with the reason.
  std::vector<std::string> argv = as_nobody;
  argv.insert(argv.end(), {NBC_PROGRAM, "lab"});
  auto r = run_program(argv, std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto at = r.out.find("## Skipped");
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("- `syn-dropped`: needs a private network namespace", at),
            std::string::npos);
  EXPECT_NE(r.out.find("on the host's loopback"), std::string::npos);
}

TEST(LabUnprivileged, InAUserNamespaceWithoutCapabilitiesItFallsBack) {
  NBC_REQUIRE_NETNS();
  if (::access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "unshare(1) is missing";
  if (!nobody_can_run(NBC_PROGRAM)) GTEST_SKIP() << "the overflow user cannot reach the program";
  // An unmapped user in a new user namespace: exec drops its capabilities.
  auto lab = lab::run_lab_json({}, {"/usr/bin/unshare", "--user"});
  if (lab.run.exit_code != 0 && lab.run.err.starts_with("unshare:")) {
    GTEST_SKIP() << "user namespaces unavailable: " << lab.run.err;
  }
  expect_fallback(lab);
}

TEST(LabUnprivileged, AsRootOfAUserNamespaceItBuildsEveryScenario) {
  NBC_REQUIRE_NETNS();
  if (::access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "unshare(1) is missing";
  if (!nobody_can_run(NBC_PROGRAM)) GTEST_SKIP() << "the mapped user cannot reach the program";
  auto lab = lab::run_lab_json({}, {"/usr/bin/unshare", "--user", "--map-root-user"});
  if (lab.run.exit_code != 0 && lab.run.err.starts_with("unshare:")) {
    GTEST_SKIP() << "user namespaces unavailable: " << lab.run.err;
  }
  ASSERT_EQ(lab.run.exit_code, 0) << lab.run.err;
  for (const Json& r : lab.records) {
    EXPECT_EQ(r["isolation"], "netns") << r["scenario"];
    if (r["skipped"].is_string()) {
      // A firewall tool may refuse inside a user namespace; it must say so.
      EXPECT_NE(r["needs"], "loopback") << r["scenario"];
      EXPECT_FALSE(r["skipped"].get<std::string>().empty());
    }
  }
  EXPECT_TRUE(lab.by_name.at("no-route")["skipped"].is_null()) << lab.by_name.at("no-route");
}

}  // namespace
}  // namespace nbc::test
