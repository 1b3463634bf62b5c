// Test support: real proxies from Debian (microsocks, danted, tinyproxy) started in the test's
// namespace with a configuration the test writes (support/loopback.hpp connects to them). A proxy
// that is not installed makes the test skip with the reason (scripts/deps.sh installs them).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/live_program.hpp"
#include "lab/sandbox.hpp"
#include "support/loopback.hpp"

namespace nbc::test {

class ProxyDaemon {
 public:
  // microsocks on 127.0.0.1:port (or `listen`: "::" takes IPv6 and IPv4), with -u/-P when user
  // is set.
  static ProxyDaemon microsocks(std::uint16_t port, const std::string& user = "",
                                const std::string& password = "",
                                const std::string& listen = "127.0.0.1") {
    std::vector<std::string> argv = {"microsocks", "-i", listen, "-p", std::to_string(port)};
    if (!user.empty()) argv.insert(argv.end(), {"-u", user, "-P", password});
    return ProxyDaemon(std::move(argv), port);
  }
  // danted on 127.0.0.1:port, no authentication, refusing (rule block) connects to blocked_port.
  static ProxyDaemon dante(std::uint16_t port, std::uint16_t blocked_port) {
    const std::string conf = temp_file("danted",
                                       "logoutput: stderr\n"
                                       "internal: 127.0.0.1 port = " +
                                           std::to_string(port) +
                                           "\nexternal: lo\n"
                                           "socksmethod: none\nclientmethod: none\n"
                                           "user.privileged: root\n"
                                           "user.unprivileged: nobody\n"
                                           "client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }\n"
                                           "socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 "
                                           "port = " +
                                           std::to_string(blocked_port) +
                                           " }\n"
                                           "socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }\n");
    return ProxyDaemon({"danted", "-f", conf, "-p", conf + ".pid"}, port, conf);
  }
  // tinyproxy on 127.0.0.1:port, CONNECT allowed only to connect_ports (others: 403).
  static ProxyDaemon tinyproxy(std::uint16_t port,
                               const std::vector<std::uint16_t>& connect_ports) {
    std::string text = "Port " + std::to_string(port) +
                       "\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\n"
                       "User nobody\nGroup nogroup\nLogLevel Info\nMaxClients 200\n";
    for (std::uint16_t p : connect_ports) text += "ConnectPort " + std::to_string(p) + "\n";
    const std::string conf = temp_file("tinyproxy", text);
    return ProxyDaemon({"tinyproxy", "-d", "-c", conf}, port, conf);
  }

  ~ProxyDaemon() {
    if (program_) {
      // SIGTERM lets danted's mother stop its children; SIGKILL after 2 s in any case.
      program_->signal(SIGTERM);
      program_->finish(std::chrono::milliseconds(2000));
    }
    if (!conf_.empty()) {
      ::unlink(conf_.c_str());
      ::unlink((conf_ + ".pid").c_str());
    }
  }

  // "" when the proxy listens, else why not (not installed, did not start).
  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }

 private:
  ProxyDaemon(std::vector<std::string> argv, std::uint16_t port, std::string conf = "")
      : port_(port), conf_(std::move(conf)) {
    argv[0] = sandbox::find_program(argv[0]);
    if (argv[0].empty()) {
      error_ = "proxy program not installed (scripts/deps.sh installs it)";
      return;
    }
    program_ = std::make_unique<LiveProgram>(argv);
    // Wait until it accepts connections: at most 300 tries over about 3 s.
    for (int i = 0; i < 300; ++i) {
      const int fd = connect_loopback(port);
      if (fd >= 0) {
        ::close(fd);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    error_ = sandbox::joined(argv) + ": not listening after 3 s";
  }

  static std::string temp_file(const std::string& name, const std::string& text) {
    char path[] = "/tmp/nbc-proxy-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd >= 0) ::close(fd);
    std::ofstream(path) << text;
    (void)name;
    return path;
  }

  std::unique_ptr<LiveProgram> program_;
  std::uint16_t port_ = 0;
  std::string conf_;
  std::string error_;
};

}  // namespace nbc::test
