// Test support for the checks after connect: the peers (tests/support/check_server.py, listening
// on a socket the test made, so they are ready the moment they start) and certificates made with
// the openssl CLI in a temporary directory. NBC_CHECK_SERVER is the script's path (CMake).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/netns.hpp"

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
  // Removed at exit (by then the peers that read the files are gone).
  struct Remover {
    std::string dir;
    ~Remover() {
      if (!dir.empty()) sh("rm -rf '" + dir + "'");
    }
  };
  static Remover remover{certs.dir};
  return certs;
}

}  // namespace nbc::test
