// A program run with its output read while it runs: for tests that act on a running nbconnect
// (send it a signal, time its first line). Every wait has a limit, and a program still running
// when the object dies is killed, so a test never hangs.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

extern char** environ;

namespace nbc::test {

class LiveProgram {
 public:
  using Clock = std::chrono::steady_clock;

  // Runs argv (argv[0] a path) with stdin on /dev/null and stdout and stderr on pipes.
  explicit LiveProgram(std::vector<std::string> argv) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    if (::pipe2(err, O_CLOEXEC) != 0) {
      ::close(out[0]);
      ::close(out[1]);
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<char*> args;
    for (std::string& w : argv) args.push_back(w.data());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }
  LiveProgram(const LiveProgram&) = delete;
  LiveProgram& operator=(const LiveProgram&) = delete;
  ~LiveProgram() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }

  bool started() const { return pid_ > 0; }

  // Reads output until `done()` holds, both pipes are at end of file, or `limit` has passed.
  // Returns whether done() held.
  bool read_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto until = Clock::now() + limit;
    while (!done()) {
      auto now = Clock::now();
      if (now >= until || (out_fd_ < 0 && err_fd_ < 0)) return done();
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
      read_some(static_cast<int>(std::min<long long>(left, 100)));
    }
    return true;
  }

  void signal(int sig) {
    signalled_at_ = Clock::now();
    ::kill(pid_, sig);
  }

  // Reads to end of file and reaps the program, killing it when `limit` passes first. Returns
  // false when it had to be killed.
  bool finish(std::chrono::milliseconds limit) {
    bool ended = read_until([this] { return out_fd_ < 0 && err_fd_ < 0; }, limit);
    if (!ended) ::kill(pid_, SIGKILL);
    int status = 0;
    rusage usage{};
    ::wait4(pid_, &status, 0, &usage);
    reaped_ = true;
    ended_at_ = Clock::now();
    max_rss_kb = usage.ru_maxrss;
    if (WIFEXITED(status)) exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) term_signal = WTERMSIG(status);
    return ended;
  }

  // From signal() to the end of its output (the program's exit).
  std::chrono::milliseconds since_signal() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(ended_at_ - signalled_at_);
  }

  std::string out;
  std::string err;
  int exit_code = -1;
  int term_signal = 0;
  long max_rss_kb = 0;

 private:
  void read_some(int timeout_ms) {
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    if (::poll(fds, 2, timeout_ms) <= 0) return;
    int* fd[2] = {&out_fd_, &err_fd_};
    std::string* text[2] = {&out, &err};
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t n = ::read(*fd[i], buf, sizeof buf);
      if (n > 0) {
        text[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(*fd[i]);
        *fd[i] = -1;
      }
    }
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  int out_fd_ = -1;
  int err_fd_ = -1;
  Clock::time_point signalled_at_{};
  Clock::time_point ended_at_{};
};

}  // namespace nbc::test
