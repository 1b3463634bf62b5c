// The lab's UNIX-domain stream scenarios: each stages a path (or an abstract name) in a temporary
// directory and measures, with plain system calls on fresh non-blocking sockets, what connect(),
// poll(), SO_ERROR and getpeername() say there. Permission denied is measured in a child process
// that has given up root for user nobody.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/capability.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "lab/probe.hpp"

namespace nbc::lab {
namespace {

constexpr uid_t kNobody = 65534;

// A UNIX address: a path, or an abstract name (the display form starts with '@').
struct UnixAddress {
  sockaddr_un sun{};
  socklen_t len = 0;
  std::string shown;
};

UnixAddress path_address(const std::string& path) {
  UnixAddress a;
  a.sun.sun_family = AF_UNIX;
  std::memcpy(a.sun.sun_path, path.data(), std::min(path.size(), sizeof a.sun.sun_path - 1));
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  a.shown = path;
  return a;
}

UnixAddress abstract_address(const std::string& name) {
  UnixAddress a;
  a.sun.sun_family = AF_UNIX;
  std::memcpy(a.sun.sun_path + 1, name.data(), std::min(name.size(), sizeof a.sun.sun_path - 2));
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  a.shown = "@" + name;
  return a;
}

int unix_socket(int type) {
  return ::socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

// A socket bound at `a`; listening with `backlog` unless it is negative.
Socket bound(const UnixAddress& a, int type, int backlog, std::string& error) {
  Socket s(unix_socket(type));
  if (!s || ::bind(s.get(), reinterpret_cast<const sockaddr*>(&a.sun), a.len) != 0 ||
      (backlog >= 0 && ::listen(s.get(), backlog) != 0)) {
    error = "cannot bind " + a.shown + ": " + std::strerror(errno);
    return Socket();
  }
  return s;
}

std::string peer_text(const sockaddr_un& sun, socklen_t len) {
  if (len <= offsetof(sockaddr_un, sun_path)) return "(unnamed)";
  if (sun.sun_path[0] == '\0') {
    return "@" + std::string(sun.sun_path + 1, len - offsetof(sockaddr_un, sun_path) - 1);
  }
  return std::string(sun.sun_path);
}

// Every column on a socket of its own, as the first call after connect() and a bounded poll().
Record probe(const sockaddr* addr, socklen_t len, std::chrono::milliseconds wait) {
  Record steps = Record::object();
  auto connected = [&](Call* first) {
    int fd = unix_socket(SOCK_STREAM);
    Call c = timed([&] { return ::connect(fd, addr, len); });
    if (first) *first = c;
    return fd;
  };
  {
    Call c;
    int fd = connected(&c);
    steps["connect"] = call_json(c);
    pollfd p{fd, POLLIN | POLLOUT, 0};
    auto start = Clock::now();
    int n = ::poll(&p, 1, static_cast<int>(wait.count()));
    steps["poll"] = {{"ret", n},
                     {"events", n > 0 ? events_text(p.revents) : ""},
                     {"us", micros(Clock::now() - start)}};
    steps["connect-again"] = call_json(timed([&] { return ::connect(fd, addr, len); }));
    ::close(fd);
  }
  {
    int fd = connected(nullptr);
    int value = 0;
    socklen_t vlen = sizeof value;
    Call c = timed([&] { return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &vlen); });
    Record j = call_json(c);
    j["value"] = value ? errno_json(value) : Record(0);
    steps["so-error"] = j;
    ::close(fd);
  }
  {
    int fd = connected(nullptr);
    sockaddr_un peer{};
    socklen_t plen = sizeof peer;
    Call c = timed([&] { return ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen); });
    Record j = call_json(c);
    if (c.ret == 0) j["peer"] = peer_text(peer, plen);
    steps["getpeername"] = j;
    ::close(fd);
  }
  return steps;
}

Record probe(const UnixAddress& a, std::chrono::milliseconds wait) {
  return probe(reinterpret_cast<const sockaddr*>(&a.sun), a.len, wait);
}

// The probe in a child process that became user nobody; its steps come back through a pipe.
Record probe_as_nobody(const UnixAddress& a, std::chrono::milliseconds wait, std::string& error) {
  sandbox::ChildResult child = sandbox::run_in_child(
      [&] {
        std::string as = "nobody";
        if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
          // In a user namespace nobody may be unmapped: stay root but give up every capability,
          // so that the permission bits apply to us as the socket file's owner.
          __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
          __user_cap_data_struct data[2] = {};
          as = "root without capabilities";
          if (::syscall(SYS_capset, &header, data) != 0) {
            return Record{{"error", std::string("cannot give up root: ") + std::strerror(errno)}}
                .dump();
          }
        }
        Record steps = probe(a, wait);
        steps["as"] = as;
        return steps.dump();
      },
      wait + std::chrono::seconds(5));
  if (child.timed_out) {
    error = "the process running as nobody did not answer in time";
    return {};
  }
  if (!child.error.empty()) {
    error = child.error;
    return {};
  }
  Record j = Record::parse(child.text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "no steps from the process running as nobody";
    return {};
  }
  if (j.contains("error")) {
    error = j["error"].get<std::string>();
    return {};
  }
  return j;
}

// The temporary directory of one scenario, removed with everything in it at the end.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/nbconnect-lab-XXXXXX";
    if (::mkdtemp(tmpl)) {
      path = tmpl;
      ::chmod(path.c_str(), 0755);  // nobody must reach the socket inside to be refused by it
    }
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

Record skipped(const std::string& why) {
  return {{"skipped", why}};
}

}  // namespace

Record measure_unix(const Scenario& sc, sandbox::Firewall&, std::chrono::milliseconds wait) {
  TempDir dir;
  if (dir.path.empty()) return skipped(std::string("mkdtemp: ") + std::strerror(errno));
  const std::string v(sc.variant);
  const std::string sock = dir.path + "/sock";
  std::vector<Socket> held;
  std::string error, setup;
  Record extra = Record::object();
  UnixAddress target = path_address(sock);
  std::string abstract = "nbconnect-lab-" + std::to_string(::getpid()) + "-" + v;

  if (v == "listener" || v == "permission" || v == "backlog-full") {
    Socket s = bound(target, SOCK_STREAM, v == "backlog-full" ? 0 : 128, error);
    if (!s) return skipped(error);
    held.push_back(std::move(s));
    setup = "a listener on " + sock;
  } else if (v == "absent") {
    setup = "nothing at " + sock;
  } else if (v == "stale") {
    Socket s = bound(target, SOCK_STREAM, 128, error);
    if (!s) return skipped(error);
    setup = "a listener on " + sock + " closed without unlink(): the socket file stays";
  } else if (v == "regular-file" || v == "not-dir") {
    const std::string file = dir.path + "/file";
    int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return skipped("cannot create " + file + ": " + std::strerror(errno));
    ::close(fd);
    if (v == "regular-file") {
      target = path_address(file);
      setup = "a regular file at " + file;
    } else {
      target = path_address(file + "/sock");
      setup = file + " is a regular file; the path goes through it";
    }
  } else if (v == "dgram") {
    Socket s = bound(target, SOCK_DGRAM, -1, error);
    if (!s) return skipped(error);
    held.push_back(std::move(s));
    setup = "a SOCK_DGRAM socket bound at " + sock;
  } else if (v == "abstract" || v == "abstract-absent") {
    target = abstract_address(abstract);
    if (v == "abstract") {
      Socket s = bound(target, SOCK_STREAM, 128, error);
      if (!s) return skipped(error);
      held.push_back(std::move(s));
      setup = "a listener on the abstract name " + target.shown;
    } else {
      setup = "nobody bound the abstract name " + target.shown;
    }
  }

  Record steps;
  if (v == "too-long") {
    // 200 bytes do not fit in sun_path (108): the address passed is longer than sockaddr_un.
    std::string path = dir.path + "/" + std::string(200 - dir.path.size() - 1, 'x');
    std::vector<char> buf(offsetof(sockaddr_un, sun_path) + path.size() + 1, '\0');
    sa_family_t family = AF_UNIX;
    std::memcpy(buf.data(), &family, sizeof family);
    std::memcpy(buf.data() + offsetof(sockaddr_un, sun_path), path.data(), path.size());
    steps = probe(reinterpret_cast<const sockaddr*>(buf.data()), static_cast<socklen_t>(buf.size()),
                  wait);
    // 108 bytes without a terminating NUL still fit: Linux takes them as the path.
    sockaddr_un full{};
    full.sun_family = AF_UNIX;
    std::string exact =
        dir.path + "/" + std::string(sizeof full.sun_path - dir.path.size() - 1, 'y');
    std::memcpy(full.sun_path, exact.data(), sizeof full.sun_path);
    int fd = unix_socket(SOCK_STREAM);
    extra["connect-108"] = call_json(
        timed([&] { return ::connect(fd, reinterpret_cast<sockaddr*>(&full), sizeof full); }));
    ::close(fd);
    setup = "a path of 200 bytes (sun_path holds 108), passed with its full length";
    target.shown = dir.path + "/x…x (200 bytes)";
  } else if (v == "backlog-full") {
    // Fill the accept queue: non-blocking connects until the first EAGAIN (bounded).
    std::vector<Socket> queued;
    Call last;
    for (int i = 0; i < 64; ++i) {
      Socket s(unix_socket(SOCK_STREAM));
      last = timed(
          [&] { return ::connect(s.get(), reinterpret_cast<sockaddr*>(&target.sun), target.len); });
      if (last.ret != 0) break;
      queued.push_back(std::move(s));
    }
    extra["queued"] = queued.size();
    extra["filling-connect"] = call_json(last);
    if (last.ret == 0 || last.err != EAGAIN) {
      return skipped("filling the accept queue did not end in EAGAIN");
    }
    steps = probe(target, wait);
    // The trap's way out: once the server accepts, a fresh socket gets in.
    Socket accepted(::accept4(held.front().get(), nullptr, nullptr, SOCK_CLOEXEC));
    int fd = unix_socket(SOCK_STREAM);
    extra["connect-after-accept"] = call_json(
        timed([&] { return ::connect(fd, reinterpret_cast<sockaddr*>(&target.sun), target.len); }));
    ::close(fd);
    for (Socket& q : queued) held.push_back(std::move(q));
    setup += fmt::format(
        " with listen(fd, 0), never accepting; {} non-blocking connect(){} queued before EAGAIN",
        extra["queued"].get<size_t>(), extra["queued"].get<size_t>() == 1 ? " was" : "s were");
  } else if (v == "permission") {
    ::chmod(sock.c_str(), 0500);  // nobody may not write to it, nor may its non-root owner
    if (::geteuid() == 0) {
      steps = probe_as_nobody(target, wait, error);
      if (!error.empty()) return skipped(error);
      setup += " with mode 0500 (owner root); connect() as " + steps.value("as", "nobody");
    } else {
      steps = probe(target, wait);
      setup += " with mode 0500; connect() as its owner, without write permission";
      extra["as"] = "owner";
    }
  } else {
    steps = probe(target, wait);
  }
  for (auto& [key, value] : extra.items()) steps[key] = value;
  Record out;
  out["setup"] = setup;
  out["target"] = target.shown;
  out["steps"] = std::move(steps);
  return out;
}

}  // namespace nbc::lab
