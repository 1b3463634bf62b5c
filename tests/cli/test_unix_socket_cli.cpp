// UNIX-domain targets on the command line (issue 11, docs/outcomes.md): check's states and exit
// codes, the JSON record ("family":"unix", the path as "address", "port":null), a full backlog
// reported as filtered/backlog-full (exit 2, never local-resources), wait for a socket that appears
// after 1 s, ping, and the bad input (a path too long for sun_path, a port after a UNIX socket).
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include "cli/cli.hpp"

namespace nbc::test {
namespace {

using Ms = std::chrono::milliseconds;

class UnixCli : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nbc-unix-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (int fd : fds_) ::close(fd);
    sh("rm -rf '" + dir_ + "'");
  }
  // A stream socket listening at dir/name with the given backlog.
  int listen_at(const std::string& name, int backlog = 16) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::string path = dir_ + "/" + name;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << path;
    EXPECT_EQ(::listen(fd, backlog), 0);
    fds_.push_back(fd);
    return fd;
  }
  std::string target(const std::string& name) const { return "unix:" + dir_ + "/" + name; }

  std::string dir_;
  std::vector<int> fds_;
};

TEST_F(UnixCli, CheckListenerIsOpenConnectedExitZero) {
  listen_at("s.sock");
  auto r = nbconnect({"check", target("s.sock")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(target("s.sock") + " open (connected)"), std::string::npos) << r.out;
}

TEST_F(UnixCli, CheckJsonRecordHasFamilyUnixPathAndNullPort) {
  listen_at("s.sock");
  auto r = nbconnect({"--json", "check", target("s.sock")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["family"], "unix");
  EXPECT_EQ(j["address"], dir_ + "/s.sock");
  EXPECT_TRUE(j["port"].is_null());
  EXPECT_EQ(j["state"], "open");
  EXPECT_EQ(j["reason"], "connected");
  EXPECT_EQ(j["protocol"], "tcp");
  EXPECT_EQ(j["target"], target("s.sock"));
}

TEST_F(UnixCli, CheckStatesAndExitCodes) {
  ASSERT_EQ(sh("touch '" + dir_ + "/file'"), 0);
  struct Case {
    std::string word;
    std::string state;
    std::string reason;
    int exit_code;
  };
  for (const Case& c : {Case{target("absent.sock"), "closed", "enoent", 1},
                        Case{target("file"), "closed", "conn-refused", 1},
                        Case{target("file/s.sock"), "error", "enotdir", 4}}) {
    auto r = nbconnect({"check", "--json", c.word});
    EXPECT_EQ(r.exit_code, c.exit_code) << c.word << ": " << r.out << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["state"], c.state) << c.word;
    EXPECT_EQ(j["reason"], c.reason) << c.word;
  }
}

TEST_F(UnixCli, FullBacklogIsFilteredBacklogFullExitTwo) {
  listen_at("busy.sock", 0);
  // Fill the backlog (nobody accepts) until the kernel says EAGAIN.
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", (dir_ + "/busy.sock").c_str());
  bool full = false;
  for (int i = 0; i < 64 && !full; ++i) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    fds_.push_back(fd);
    full = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno == EAGAIN;
  }
  ASSERT_TRUE(full);
  auto r = nbconnect({"check", "--json", "-t", "300ms", target("busy.sock")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["state"], "filtered");
  EXPECT_EQ(j["reason"], "backlog-full");
  EXPECT_EQ(j["errno"], "EAGAIN");
  EXPECT_GT(j["attempts"].get<int>(), 1);
  EXPECT_GE(r.elapsed, Ms(300));
}

// The socket appearing 1 s after the start is the scenario under test, not a synchronisation.
TEST_F(UnixCli, WaitRunsTheCommandOnceTheSocketAppears) {
  int done[2];
  ASSERT_EQ(::pipe2(done, O_CLOEXEC), 0);
  std::string path = dir_ + "/late.sock";
  std::thread server([this, done_fd = done[0]] {
    std::this_thread::sleep_for(Ms(1000));
    listen_at("late.sock");
    pollfd p{done_fd, POLLIN, 0};
    ::poll(&p, 1, 20000);  // bounded: the waiter gives up after 10 s
  });
  auto r = nbconnect({"wait", "-t", "10s", target("late.sock"), "--", "sh", "-c", "exit 7"});
  ASSERT_EQ(::write(done[1], "x", 1), 1);
  server.join();
  ::close(done[0]);
  ::close(done[1]);
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_GE(r.elapsed, Ms(1000));
  EXPECT_LT(r.elapsed, Ms(3500));
}

TEST_F(UnixCli, PingCountsConnects) {
  listen_at("p.sock", 64);
  auto r = nbconnect({"ping", "-c", "3", "-i", "10ms", target("p.sock")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 probes sent, 3 connected"), std::string::npos) << r.out;
}

TEST(UnixCliInput, PathTooLongIsBadInput) {
  std::string word = "unix:/" + std::string(120, 'x');
  expect_usage_error(nbconnect({"check", word}), "longer than");
}

TEST(UnixCliInput, PortAfterUnixSocketIsBadInput) {
  expect_usage_error(nbconnect({"check", "unix:/run/x.sock", "80"}), "'80'");
}

TEST(UnixCliInput, ScanRefusesUnixSockets) {
  expect_usage_error(nbconnect({"scan", "-p", "80", "unix:/run/x.sock"}), "unix:/run/x.sock");
}

TEST(UnixCliInput, UdpDoesNotApplyToUnixSockets) {
  expect_usage_error(nbconnect({"check", "--udp", "unix:/run/x.sock"}), "unix:/run/x.sock");
}

}  // namespace
}  // namespace nbc::test
