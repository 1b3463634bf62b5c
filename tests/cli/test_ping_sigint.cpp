// Ctrl-C (SIGINT) stops `nbconnect ping` with its summary, like ping: the probes that finished
// are counted, and the exit code says whether any connected.
#include <signal.h>
#include <spawn.h>

#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

struct Interrupted {
  std::string out;
  int exit_code = -1;
  int signal = 0;
};

// Starts ping, waits until `probes` probe lines were printed, sends SIGINT, reads the rest.
Interrupted ping_then_interrupt(const std::vector<std::string>& args, std::size_t probes) {
  Interrupted result;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::vector<std::string> words = {NBC_PROGRAM, "ping"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    return result;
  }
  bool sent = false;
  auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[4096];
  while (std::chrono::steady_clock::now() < limit) {
    if (!sent && count_of(result.out, "seq") >= probes) {
      ::kill(pid, SIGINT);
      sent = true;
    }
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    result.out.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  if (!sent) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

TEST(PingSigint, PrintsTheSummaryAndExits) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  std::string target = "127.0.0.1:" + std::to_string(listener.port());
  Interrupted r = ping_then_interrupt({"-i", "100ms", target}, 2);
  EXPECT_EQ(r.signal, 0) << "killed by the signal instead of summarising";
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::size_t lines = count_of(r.out, "seq=");
  EXPECT_GE(lines, 2u);
  EXPECT_NE(r.out.find("--- " + target + " ping statistics ---"), std::string::npos) << r.out;
  std::string summary = std::to_string(lines) + " probes sent, " + std::to_string(lines) +
                        " connected, 0 failed, 0.0% loss";
  EXPECT_NE(r.out.find(summary), std::string::npos) << r.out;
}

TEST(PingSigint, JsonSummaryAtTotalLoss) {
  NBC_REQUIRE_NETNS();
  std::string target = "127.0.0.1:" + std::to_string(closed_port());
  Interrupted r = ping_then_interrupt({"--json", "-i", "50ms", target}, 2);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  auto records = json_lines(r.out);
  ASSERT_GE(records.size(), 3u) << r.out;
  const auto& s = records.back();
  EXPECT_EQ(s["type"], "summary");
  EXPECT_EQ(s["sent"], records.size() - 1);
  EXPECT_EQ(s["connected"], 0);
  EXPECT_EQ(s["loss_pct"], 100.0);
}

}  // namespace
}  // namespace nbc::test
