// UNIX-domain stream connects (issue 11, docs/outcomes.md): every outcome staged with real sockets
// and files in a temporary directory, over every entry point and backend. The trap: a full listen
// backlog answers EAGAIN, which here means "server busy" (retried until the deadline, then
// filtered/backlog-full), never local-resources.
#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "kernel/family_matrix.hpp"

namespace nbc::test {
namespace {

// A temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/nbc-unix-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (!path_.empty()) sh("rm -rf '" + path_ + "'");
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

Endpoint unix_ep(const std::string& name) {
  auto parsed = parse_unix("unix:" + name);
  EXPECT_TRUE(parsed.has_value()) << name;
  return parsed ? *parsed : Endpoint{};
}

// A socket of `type` bound at `name` (a path, or "@name"), listening when asked.
class UnixSocket {
 public:
  UnixSocket(const std::string& name, int type, int backlog = -1) {
    Endpoint ep = unix_ep(name);
    fd_ = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || ::bind(fd_, ep.data(), ep.size()) != 0) {
      close();
      return;
    }
    if (backlog >= 0 && ::listen(fd_, backlog) != 0) close();
  }
  ~UnixSocket() { close(); }
  UnixSocket(const UnixSocket&) = delete;
  UnixSocket& operator=(const UnixSocket&) = delete;
  bool ok() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

class ConnectUnix : public FamilyMatrix {
 protected:
  void expect(const Outcome& o, State state, Reason reason, int err) {
    EXPECT_EQ(o.state, state);
    EXPECT_EQ(o.reason, reason) << o.reason_name();
    EXPECT_EQ(o.error, err) << errno_name(o.error);
    EXPECT_EQ(o.peer.family(), Family::unix_domain);
    if (state != State::open) {
      EXPECT_FALSE(o.socket) << "a failed connect hands back no socket";
    }
  }
  TempDir dir_;
};

TEST_P(ConnectUnix, ListenerIsOpenConnected) {
  UnixSocket server(dir_ / "s.sock", SOCK_STREAM, 16);
  ASSERT_TRUE(server.ok());
  Outcome o = connect(unix_ep(dir_ / "s.sock"), options());
  expect(o, State::open, Reason::connected, 0);
  EXPECT_EQ(o.reason_name(), "connected");
}

TEST_P(ConnectUnix, NoSuchPathIsClosedEnoent) {
  Outcome o = connect(unix_ep(dir_ / "absent.sock"), options());
  expect(o, State::closed, Reason::other_errno, ENOENT);
  EXPECT_EQ(o.reason_name(), "enoent");
}

TEST_P(ConnectUnix, StaleSocketFileIsClosedConnRefused) {
  { UnixSocket gone(dir_ / "stale.sock", SOCK_STREAM, 4); }  // the file stays, nobody listens
  Outcome o = connect(unix_ep(dir_ / "stale.sock"), options());
  expect(o, State::closed, Reason::conn_refused, ECONNREFUSED);
}

TEST_P(ConnectUnix, RegularFileIsClosedConnRefused) {
  ASSERT_EQ(sh("touch '" + (dir_ / "file") + "'"), 0);
  Outcome o = connect(unix_ep(dir_ / "file"), options());
  expect(o, State::closed, Reason::conn_refused, ECONNREFUSED);
}

TEST_P(ConnectUnix, DatagramSocketIsErrorEprototype) {
  UnixSocket dgram(dir_ / "d.sock", SOCK_DGRAM);
  ASSERT_TRUE(dgram.ok());
  Outcome o = connect(unix_ep(dir_ / "d.sock"), options());
  expect(o, State::error, Reason::other_errno, EPROTOTYPE);
  EXPECT_EQ(o.reason_name(), "eprototype");
}

TEST_P(ConnectUnix, ComponentNotADirectoryIsErrorEnotdir) {
  ASSERT_EQ(sh("touch '" + (dir_ / "plain") + "'"), 0);
  Outcome o = connect(unix_ep(dir_ / "plain/s.sock"), options());
  expect(o, State::error, Reason::other_errno, ENOTDIR);
  EXPECT_EQ(o.reason_name(), "enotdir");
}

TEST_P(ConnectUnix, AbstractListenerIsOpenAndAbsentNameRefused) {
  std::string name = "@nbc-test-" + std::to_string(::getpid()) + "-" + dir_.path().substr(14);
  {
    UnixSocket server(name, SOCK_STREAM, 4);
    ASSERT_TRUE(server.ok());
    Outcome o = connect(unix_ep(name), options());
    expect(o, State::open, Reason::connected, 0);
    EXPECT_EQ(o.peer.address(), name);
  }
  Outcome o = connect(unix_ep(name), options());
  expect(o, State::closed, Reason::conn_refused, ECONNREFUSED);
}

// The listen backlog is filled with connects nobody accepts; the next one is EAGAIN at once. The
// attempt retries with fresh sockets (a few milliseconds apart, not spinning) until its timeout.
TEST_P(ConnectUnix, FullBacklogIsFilteredBacklogFullNotLocalResources) {
  UnixSocket server(dir_ / "busy.sock", SOCK_STREAM, 0);
  ASSERT_TRUE(server.ok());
  Endpoint target = unix_ep(dir_ / "busy.sock");
  std::vector<int> fillers;
  for (int i = 0; i < 64; ++i) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    fillers.push_back(fd);
    if (::connect(fd, target.data(), target.size()) != 0 && errno == EAGAIN) break;
  }
  ASSERT_EQ(errno, EAGAIN) << "the backlog never filled";
  Outcome o;
  Cost cost = measure_cost([&] { o = connect(target, options(std::chrono::milliseconds(300))); });
  for (int fd : fillers) ::close(fd);
  expect(o, State::filtered, Reason::backlog_full, EAGAIN);
  EXPECT_EQ(o.reason_name(), "backlog-full");
  EXPECT_GT(o.attempts, 2) << "a busy server is tried again with fresh sockets";
  EXPECT_GE(cost.wall, std::chrono::milliseconds(280)) << "retried until the deadline";
  EXPECT_LT(cost.wall, std::chrono::milliseconds(1500));
  EXPECT_LT(cost.cpu, std::chrono::milliseconds(60)) << "backing off, not spinning";
}

// Permission is checked as the caller: root passes every check, so a child drops to nobody.
TEST_P(ConnectUnix, PermissionDeniedIsFilteredAdminProhibited) {
  ASSERT_EQ(::mkdir((dir_ / "private").c_str(), 0700), 0);
  UnixSocket inside(dir_ / "private/s.sock", SOCK_STREAM, 4);
  ASSERT_TRUE(inside.ok());
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  Endpoint target = unix_ep(dir_ / "private/s.sock");
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    int msg[3] = {-1, -1, -1};
    if (::setgroups(0, nullptr) == 0 && ::setgid(65534) == 0 && ::setuid(65534) == 0) {
      Outcome o = connect(target, options());
      msg[0] = static_cast<int>(o.state);
      msg[1] = static_cast<int>(o.reason);
      msg[2] = o.error;
    }
    ssize_t w = ::write(pipe_fds[1], msg, sizeof msg);
    ::_exit(w == sizeof msg ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  int msg[3] = {-1, -1, -1};
  ssize_t n = ::read(pipe_fds[0], msg, sizeof msg);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof msg));
  ASSERT_NE(msg[0], -1) << "the child could not drop to uid 65534";
  EXPECT_EQ(static_cast<State>(msg[0]), State::filtered);
  EXPECT_EQ(static_cast<Reason>(msg[1]), Reason::admin_prohibited);
  EXPECT_EQ(msg[2], EACCES);
}

NBC_INSTANTIATE_FAMILY_MATRIX(ConnectUnix);

}  // namespace
}  // namespace nbc::test
