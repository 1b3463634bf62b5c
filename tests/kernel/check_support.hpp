// Support for the tests of the checks after connect: the peers (tests/support/check_server.py,
// listening on a socket the test made, so they are ready at once), certificates made with the
// openssl CLI in a temporary directory, and one check run over a chosen poller backend with the
// stage runner.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "check/check_stages.hpp"
#include "nbconnect/check.hpp"
#include "nbconnect/event_loop.hpp"
#include "support/netns_main.hpp"
#include "support/stage_runner.hpp"

extern char** environ;

namespace nbc::test {

// A check_server.py peer on its own listening socket; killed when the object dies.
class CheckServer {
 public:
  explicit CheckServer(std::vector<std::string> args) {
    if (!listener_.ok()) return;
    std::vector<std::string> argv = {"/usr/bin/python3", NBC_CHECK_SERVER};
    argv.insert(argv.end(), args.begin(), args.end());
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, listener_.fd(), 3);
    std::vector<char*> raw;
    for (std::string& w : argv) raw.push_back(w.data());
    raw.push_back(nullptr);
    if (posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  CheckServer(const CheckServer&) = delete;
  CheckServer& operator=(const CheckServer&) = delete;
  ~CheckServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return pid_ > 0; }
  std::uint16_t port() const { return listener_.port(); }

 private:
  Listener listener_;
  pid_t pid_ = -1;
};

// Certificates for the TLS tests, made once per test process: a CA and, signed by it, a valid
// leaf for localhost and 127.0.0.1, an expired one, one for another name and one expiring in
// five days; and a self-signed leaf.
struct TestCerts {
  std::string dir, ca, key, valid, expired, wrong_name, expiring, self_signed, self_key;
  bool ok = false;
};

inline const TestCerts& test_certs() {
  static TestCerts certs = [] {
    TestCerts c;
    std::string templ = testing::TempDir() + "nbc_certs_XXXXXX";
    if (!::mkdtemp(templ.data())) return c;
    c.dir = templ;
    c.ca = c.dir + "/ca.pem";
    c.key = c.dir + "/leaf.key";
    c.valid = c.dir + "/valid.pem";
    c.expired = c.dir + "/expired.pem";
    c.wrong_name = c.dir + "/wrong.pem";
    c.expiring = c.dir + "/expiring.pem";
    c.self_signed = c.dir + "/self.pem";
    c.self_key = c.dir + "/self.key";
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string d = c.dir;
    auto sign = [&](const std::string& out, const std::string& san, const std::string& days) {
      return sh("printf 'subjectAltName=" + san + "\\n' > " + d + "/ext.cnf && " +
                "openssl x509 -req -in " + d + "/leaf.csr -CA " + c.ca + " -CAkey " + d +
                "/ca.key -CAcreateserial -days " + days + " -extfile " + d + "/ext.cnf -out " +
                out + " 2>/dev/null") == 0;
    };
    c.ok = sh("openssl req -x509 " + ec + " -keyout " + d + "/ca.key -out " + c.ca +
              " -subj /CN=nbconnect-test-ca -days 30 2>/dev/null") == 0 &&
           sh("openssl req " + ec + " -keyout " + c.key + " -out " + d +
              "/leaf.csr -subj /CN=localhost 2>/dev/null") == 0 &&
           sign(c.valid, "DNS:localhost,IP:127.0.0.1", "30") &&
           sign(c.expired, "DNS:localhost,IP:127.0.0.1", "-1") &&
           sign(c.wrong_name, "DNS:wrong.example", "30") &&
           sign(c.expiring, "DNS:localhost,IP:127.0.0.1", "5") &&
           sh("openssl req -x509 " + ec + " -keyout " + c.self_key + " -out " + c.self_signed +
              " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 30 "
              "2>/dev/null") == 0 &&
           sh("mkdir -p " + d + "/www && echo 'status: healthy' > " + d +
              "/www/health && mkdir -p " + d + "/www/dir") == 0;
    return c;
  }();
  return certs;
}

// A non-blocking TCP socket connected to 127.0.0.1:port (loopback: connect() completes at once).
inline int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

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
