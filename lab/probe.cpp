// The lab's measuring steps: on a staged scenario, every step is a plain system call on a fresh
// socket, not the library, so that the record shows exactly what the kernel said — the connect()
// calls, the wait, each inspection after it, and (in child processes) whether a plain write()
// raises SIGPIPE.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "lab/probe.hpp"

namespace nbc::lab {

double micros(Clock::duration d) {
  double us = std::chrono::duration<double, std::micro>(d).count();
  return std::round(us * 10.0) / 10.0;
}

Record errno_json(int err) {
  std::string_view name = errno_name(err);
  if (name.empty()) return err ? Record("errno-" + std::to_string(err)) : Record(nullptr);
  return std::string(name);
}

Record call_json(const Call& c) {
  Record j;
  j["ret"] = c.ret;
  j["errno"] = c.ret < 0 ? errno_json(c.err) : Record(nullptr);
  j["us"] = c.us;
  return j;
}

std::string events_text(short revents) {
  std::string out;
  auto add = [&](short bit, const char* name) {
    if (!(revents & bit)) return;
    if (!out.empty()) out += '|';
    out += name;
  };
  add(POLLIN, "IN");
  add(POLLOUT, "OUT");
  add(POLLERR, "ERR");
  add(POLLHUP, "HUP");
  return out;
}

namespace {

// A fresh non-blocking socket for one probe, and the address it connects to. For self-connect
// it binds an ephemeral loopback port and connects to that same port.
int open_probe(const Stage& st, Endpoint& target, int& err) {
  int fd = ::socket(st.self_connect ? AF_INET : st.target.af(),
                    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno;
    return -1;
  }
  // Closing with RST leaves no TIME_WAIT behind and no half-open connection at a listener.
  linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  target = st.target;
  if (st.self_connect) {
    Endpoint any = loopback_of(AF_INET, 0);
    if (::bind(fd, any.data(), any.size()) != 0) {
      err = errno;
      ::close(fd);
      return -1;
    }
    target = local_address(fd);
  }
  return fd;
}

// ---------------------------------------------------------------------------------------------
// Waiting

struct Probe {
  int fd = -1;
  Endpoint target;
  Clock::time_point started{};
  short revents = 0;
  double ready_us = -1;  // -1: not ready before the wait ended
};

// Waits until every probe's socket reports an event or the wait ends. Bounded by the deadline.
void wait_first_event(std::vector<Probe>& probes, std::chrono::milliseconds wait) {
  auto deadline = Clock::now() + wait;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Probe*> owners;
    for (Probe& p : probes) {
      if (p.fd >= 0 && p.ready_us < 0) {
        fds.push_back({p.fd, POLLIN | POLLOUT, 0});
        owners.push_back(&p);
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (fds.empty() || left.count() <= 0) return;
    int ms = static_cast<int>((left.count() + 999) / 1000);
    int n = ::poll(fds.data(), fds.size(), ms);
    auto now = Clock::now();
    if (n < 0 && errno != EINTR) return;
    for (size_t i = 0; n > 0 && i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      owners[i]->revents = fds[i].revents;
      owners[i]->ready_us = micros(now - owners[i]->started);
    }
  }
}

// Waits until every probe's connect has ended (OUT or HUP), not merely until its first event: a
// soft ICMP error raises ERR while the handshake goes on. Edge-triggered, so that a lasting ERR
// wakes us once per change instead of spinning. Bounded by the deadline.
void wait_settled(std::vector<Probe>& probes, std::chrono::milliseconds wait) {
  Socket ep(::epoll_create1(EPOLL_CLOEXEC));
  if (!ep) return wait_first_event(probes, wait);
  for (size_t i = 0; i < probes.size(); ++i) {
    if (probes[i].fd < 0) continue;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
    ev.data.u64 = i;
    ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, probes[i].fd, &ev);
  }
  auto deadline = Clock::now() + wait;
  for (;;) {
    bool pending = false;
    for (const Probe& p : probes) pending |= p.fd >= 0 && p.ready_us < 0;
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (!pending || left.count() <= 0) return;
    std::array<epoll_event, 16> events{};
    int n = ::epoll_wait(ep.get(), events.data(), static_cast<int>(events.size()),
                         static_cast<int>((left.count() + 999) / 1000));
    auto now = Clock::now();
    if (n < 0 && errno != EINTR) return;
    for (int i = 0; i < n; ++i) {
      Probe& p = probes.at(events[i].data.u64);
      // The EPOLL* bits used here have the values of their POLL* namesakes.
      p.revents = static_cast<short>(events[i].events & (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP));
      if (events[i].events & (EPOLLOUT | EPOLLHUP)) p.ready_us = micros(now - p.started);
    }
  }
}

void wait_ready(std::vector<Probe>& probes, std::chrono::milliseconds wait, bool settle) {
  if (settle) {
    wait_settled(probes, wait);
  } else {
    wait_first_event(probes, wait);
  }
}

// ---------------------------------------------------------------------------------------------
// The writer processes: whether a plain write() raises SIGPIPE can only be seen from outside.

struct WriteReport {
  long ret;
  int err;
  double us;
};

struct Writer {
  pid_t pid = -1;
  int fd = -1;  // read end of the report pipe
};

// Forks a process that connects, waits, optionally reads SO_ERROR, then calls plain write()
// `writes` times, reporting each result through a pipe before the next call.
Writer start_writer(const Stage& st, bool read_so_error_first, int writes,
                    std::chrono::milliseconds wait) {
  sandbox::PipedChild child = sandbox::fork_with_pipe();
  if (child.pid < 0) return Writer{};
  if (child.pid == 0) {
    // The default action, unblocked: exactly what a program that never thought of SIGPIPE has.
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    Endpoint target;
    int err = 0;
    int fd = open_probe(st, target, err);
    if (fd < 0) ::_exit(3);
    std::vector<Probe> one(1);
    one[0].fd = fd;
    one[0].started = Clock::now();
    ::connect(fd, target.data(), target.size());
    wait_ready(one, wait, st.settle);
    if (read_so_error_first) {
      int value = 0;
      socklen_t len = sizeof value;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len);
    }
    for (int i = 0; i < writes; ++i) {
      Call c = timed([&] { return ::write(fd, "x", 1); });
      WriteReport report{c.ret, c.err, c.us};
      if (::write(child.fd, &report, sizeof report) != sizeof report) ::_exit(4);
    }
    ::_exit(0);
  }
  return Writer{child.pid, child.fd};
}

// Collects a writer's reports: one record per write, the last one "killed by SIGPIPE" when the
// signal ended the process before it could report.
std::vector<Record> finish_writer(Writer& w, int writes, std::chrono::milliseconds wait) {
  std::vector<Record> out;
  if (w.pid < 0) {
    for (int i = 0; i < writes; ++i) out.push_back({{"ret", nullptr}, {"error", "fork failed"}});
    return out;
  }
  std::vector<WriteReport> reports;
  auto deadline = Clock::now() + wait + std::chrono::seconds(5);
  bool killed = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ::kill(w.pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd p{w.fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    WriteReport r{};
    ssize_t got = ::read(w.fd, &r, sizeof r);
    if (got != static_cast<ssize_t>(sizeof r)) break;
    reports.push_back(r);
  }
  ::close(w.fd);
  int status = 0;
  while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
  }
  int signal = WIFSIGNALED(status) && !killed ? WTERMSIG(status) : 0;
  for (int i = 0; i < writes; ++i) {
    Record j;
    if (i < static_cast<int>(reports.size())) {
      j = call_json({reports[i].ret, reports[i].err, reports[i].us});
      j["signal"] = nullptr;
    } else if (i == static_cast<int>(reports.size()) && signal != 0) {
      j["ret"] = nullptr;
      j["errno"] = nullptr;
      const char* name = sigabbrev_np(signal);
      j["signal"] = name ? std::string("SIG") + name : "signal " + std::to_string(signal);
    } else {
      j["ret"] = nullptr;
      j["errno"] = nullptr;
      if (killed) j["error"] = "the writer did not finish in time";
      j["reached"] = false;  // an earlier write() ended the process
    }
    out.push_back(std::move(j));
  }
  return out;
}

int read_so_error(int fd, Call& call) {
  int value = 0;
  socklen_t len = sizeof value;
  call = timed([&] { return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len); });
  return value;
}

Record so_error_json(int fd) {
  Call c;
  int value = read_so_error(fd, c);
  Record j = call_json(c);
  j["value"] = value ? errno_json(value) : Record(0);
  return j;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The raw steps

const std::vector<StepInfo>& immediate_steps() {
  static const std::vector<StepInfo> steps = {
      {"connect-1", "1st connect()"},
      {"connect-2", "2nd connect()"},
      {"connect-3", "3rd connect()"},
      {"poll", "poll() after the wait"},
  };
  return steps;
}

const std::vector<StepInfo>& after_wait_steps() {
  static const std::vector<StepInfo> steps = {
      {"so-error", "SO_ERROR"},
      {"getpeername", "getpeername()"},
      {"read-1", "read(fd,&c,1)"},
      {"read-0", "read(fd,&c,0)"},
      {"connect-again", "connect() again"},
      {"connect-after-so-error", "connect() after SO_ERROR"},
      {"send", "send(MSG_NOSIGNAL)"},
      {"write", "write()"},
      {"write-again", "2nd write()"},
      {"write-after-so-error", "write() after SO_ERROR"},
  };
  return steps;
}

Record raw_steps(const Stage& st, std::chrono::milliseconds wait) {
  Record steps = Record::object();

  // 1. connect() three times in a row on one socket, without waiting in between.
  {
    Endpoint target;
    int err = 0;
    int fd = open_probe(st, target, err);
    if (fd < 0) {
      steps["connect-1"] = {{"ret", nullptr}, {"error", std::strerror(err)}};
    } else {
      for (const char* key : {"connect-1", "connect-2", "connect-3"}) {
        steps[key] = call_json(timed([&] { return ::connect(fd, target.data(), target.size()); }));
      }
      ::close(fd);
    }
  }

  // 2. The writers run alongside, each on a socket of its own.
  Writer unread = start_writer(st, false, 2, wait);
  Writer after = start_writer(st, true, 1, wait);

  // 3. One socket per call after the wait, so that each call is the first one made after
  //    poll() reported the socket ready: none of them disturbs another (SO_ERROR and read()
  //    both consume the pending error, a connect() may start a new handshake).
  static constexpr std::array<const char*, 7> kInspections = {
      "so-error", "getpeername", "read-1", "read-0", "connect-again", "connect-after-so-error",
      "send"};
  std::vector<Probe> probes(kInspections.size());
  for (Probe& p : probes) {
    int err = 0;
    p.fd = open_probe(st, p.target, err);
    if (p.fd < 0) continue;
    p.started = Clock::now();
    ::connect(p.fd, p.target.data(), p.target.size());
  }
  wait_ready(probes, wait, st.settle);

  const Probe& first = probes.front();
  Record poll_step;
  poll_step["ret"] = first.ready_us < 0 ? 0 : 1;
  poll_step["events"] = events_text(first.revents);
  poll_step["us"] = first.ready_us < 0 ? micros(wait) : first.ready_us;
  steps["poll"] = poll_step;

  for (size_t i = 0; i < kInspections.size(); ++i) {
    std::string_view key = kInspections[i];
    Probe& p = probes[i];
    if (p.fd < 0) {
      steps[key] = {{"ret", nullptr}, {"error", "no socket"}};
      continue;
    }
    char c = 0;
    int fd = p.fd;
    if (key == "so-error") {
      steps[key] = so_error_json(fd);
    } else if (key == "getpeername") {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      Call call = timed([&] { return ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len); });
      Record j = call_json(call);
      if (call.ret == 0) {
        j["peer"] = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len).to_string();
        j["local"] = local_address(fd).to_string();
      }
      steps[key] = j;
    } else if (key == "read-1") {
      steps[key] = call_json(timed([&] { return ::read(fd, &c, 1); }));
    } else if (key == "read-0") {
      steps[key] = call_json(timed([&] { return ::read(fd, &c, 0); }));
    } else if (key == "connect-again") {
      steps[key] =
          call_json(timed([&] { return ::connect(fd, p.target.data(), p.target.size()); }));
    } else if (key == "connect-after-so-error") {
      Call ignored;
      int value = read_so_error(fd, ignored);
      Record j = call_json(timed([&] { return ::connect(fd, p.target.data(), p.target.size()); }));
      j["so_error"] = value ? errno_json(value) : Record(0);
      steps[key] = j;
    } else if (key == "send") {
      steps[key] = call_json(timed([&] { return ::send(fd, "x", 1, MSG_NOSIGNAL); }));
    }
  }
  for (Probe& p : probes) {
    if (p.fd >= 0) ::close(p.fd);
  }

  std::vector<Record> writes = finish_writer(unread, 2, wait);
  steps["write"] = writes.at(0);
  steps["write-again"] = writes.at(1);
  steps["write-after-so-error"] = finish_writer(after, 1, wait).at(0);
  return steps;
}

// What the kernel answered, in one word: the immediate errno, the errno of SO_ERROR, "connected"
// or "no answer".
Record kernel_answer(const Record& steps) {
  const Record& c1 = steps.value("connect-1", Record::object());
  if (c1.value("ret", Record(0)).is_number() && c1["ret"].get<long>() < 0 &&
      c1["errno"] != "EINPROGRESS") {
    return c1["errno"];
  }
  const Record& poll = steps.value("poll", Record::object());
  if (poll.value("ret", 0) == 0) return "no answer";
  const Record& so = steps.value("so-error", Record::object());
  if (so.contains("value") && so["value"].is_string()) return so["value"];
  return "connected";
}

}  // namespace nbc::lab
