// Runs the nbconnect program with stdout and stderr on a pseudo-terminal, as a person at a
// terminal runs it, with a chosen locale; the text read from the terminal comes back without the
// carriage returns the terminal adds to each newline.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace nbc::test {

struct TerminalRun {
  int exit_code = -1;
  bool timed_out = false;
  std::string text;  // stdout and stderr as the terminal showed them, "\r\n" -> "\n"
};

// `env`: NAME=VALUE words that replace (or, with an empty VALUE after '=', remove) the
// variables of this process's environment; LANG, LC_ALL, LC_CTYPE, NO_COLOR and TERM are
// removed first, so that each test states what it needs.
inline TerminalRun run_on_terminal(std::vector<std::string> args,
                                   const std::vector<std::string>& env,
                                   std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  TerminalRun result;
  int master = -1, slave = -1;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
    result.text = std::string("openpty: ") + std::strerror(errno);
    return result;
  }
  ::fcntl(master, F_SETFD, FD_CLOEXEC);
  ::fcntl(slave, F_SETFD, FD_CLOEXEC);
  std::vector<std::string> vars;
  for (char** e = environ; *e; ++e) {
    std::string v = *e;
    bool drop = false;
    for (const char* name : {"LANG=", "LC_ALL=", "LC_CTYPE=", "NO_COLOR=", "TERM="}) {
      drop = drop || v.rfind(name, 0) == 0;
    }
    if (!drop) vars.push_back(v);
  }
  for (const std::string& v : env) {
    if (v.back() != '=') vars.push_back(v);
  }
  std::vector<char*> envp;
  for (std::string& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  args.insert(args.begin(), NBC_PROGRAM);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, slave, 1);
  posix_spawn_file_actions_adddup2(&actions, slave, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(slave);
  if (rc != 0) {
    ::close(master);
    result.text = std::string("posix_spawn: ") + std::strerror(rc);
    return result;
  }
  // Linux answers EIO on the master once the child's last descriptor of the terminal closed
  // and everything written was read.
  auto start = std::chrono::steady_clock::now();
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        limit - (std::chrono::steady_clock::now() - start));
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count()) + 1) < 0 && errno != EINTR) break;
    ssize_t got = ::read(master, buf, sizeof buf);
    if (got > 0) {
      result.text.append(buf, static_cast<std::size_t>(got));
    } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
      break;
    }
  }
  ::close(master);
  int status = 0;
  if (::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  std::string plain;
  for (std::size_t i = 0; i < result.text.size(); ++i) {
    if (result.text[i] == '\r' && i + 1 < result.text.size() && result.text[i + 1] == '\n') {
      continue;
    }
    plain += result.text[i];
  }
  result.text = plain;
  return result;
}

}  // namespace nbc::test
