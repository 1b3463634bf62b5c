// Test support for host names: a real DNS server (dnsmasq) started inside the private network
// namespace, a small in-process DNS responder whose answers can be delayed or withheld, and a
// private mount namespace in which /etc/hosts and /etc/resolv.conf are the test's own.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace nbc::test {

namespace dns {

inline void put16(std::vector<unsigned char>& m, unsigned v) {
  m.push_back(static_cast<unsigned char>(v >> 8));
  m.push_back(static_cast<unsigned char>(v & 0xff));
}

// A query for `name` (type 1 = A, 28 = AAAA) with the given id.
inline std::vector<unsigned char> query(const std::string& name, unsigned type, unsigned id) {
  std::vector<unsigned char> m;
  put16(m, id);
  put16(m, 0x0100);  // RD
  put16(m, 1);
  put16(m, 0);
  put16(m, 0);
  put16(m, 0);
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    if (dot > start) {
      m.push_back(static_cast<unsigned char>(dot - start));
      m.insert(m.end(), name.begin() + static_cast<long>(start),
               name.begin() + static_cast<long>(dot));
    }
    start = dot + 1;
  }
  m.push_back(0);
  put16(m, type);
  put16(m, 1);
  return m;
}

inline sockaddr_in udp_address(const char* address, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, address, &sa.sin_addr);
  return sa;
}

// Asks the server at address:port until it answers anything, at most `tries` times with a short
// wait each: the readiness check of a freshly started server. True once it answered.
inline bool answers(const char* address, std::uint16_t port, int tries = 100) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa = udp_address(address, port);
  bool ok = false;
  for (int i = 0; i < tries && !ok; ++i) {
    auto q = query("ready.probe", 1, 0x4242);
    ::sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 30) == 1) {
      unsigned char buf[512];
      ok = ::recv(fd, buf, sizeof buf, 0) > 0;
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace dns

// dnsmasq on a loopback address, port 53, answering only from its command line: names under
// .test that it does not know get NXDOMAIN, known names without the asked type get NODATA.
class Dnsmasq {
 public:
  explicit Dnsmasq(const std::vector<std::string>& records, std::string address = "127.0.0.53")
      : address_(std::move(address)) {
    std::vector<std::string> argv = {"/usr/sbin/dnsmasq",
                                     "--keep-in-foreground",
                                     "--conf-file=/dev/null",
                                     "--port=53",
                                     "--listen-address=" + address_,
                                     "--bind-interfaces",
                                     "--no-resolv",
                                     "--no-hosts",
                                     "--no-negcache",
                                     "--log-facility=/dev/null",
                                     "--pid-file=",
                                     "--user=root",
                                     "--local=/test/"};
    argv.insert(argv.end(), records.begin(), records.end());
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (::posix_spawn(&pid_, args[0], nullptr, nullptr, args.data(), environ) != 0) pid_ = -1;
    ready_ = pid_ > 0 && dns::answers(address_.c_str(), 53);
  }
  Dnsmasq(const Dnsmasq&) = delete;
  Dnsmasq& operator=(const Dnsmasq&) = delete;
  ~Dnsmasq() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  bool ready() const { return ready_; }
  const std::string& address() const { return address_; }

 private:
  std::string address_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

// A DNS responder in a thread of the test: answers A and AAAA from a table, each after its own
// delay (or never), and NXDOMAIN for names it does not know. The table can change while it runs.
class FakeDns {
 public:
  struct Record {
    std::vector<std::string> a{}, aaaa{};
    std::chrono::milliseconds a_delay{0}, aaaa_delay{0};
    bool silent = false;  // never answer
  };

  explicit FakeDns(std::string address = "127.0.0.54") : address_(std::move(address)) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = dns::udp_address(address_.c_str(), 53);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return;
    if (::pipe2(stop_, O_CLOEXEC) != 0) return;
    thread_ = std::thread([this] { serve(); });
  }
  FakeDns(const FakeDns&) = delete;
  FakeDns& operator=(const FakeDns&) = delete;
  ~FakeDns() {
    if (thread_.joinable()) {
      char c = 0;
      (void)!::write(stop_[1], &c, 1);
      thread_.join();
    }
    for (int fd : {fd_, stop_[0], stop_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }
  bool ok() const { return thread_.joinable(); }
  const std::string& address() const { return address_; }

  void set(const std::string& name, Record record) {
    std::lock_guard lock(mutex_);
    table_[name] = std::move(record);
  }
  // Serves `record` for name once `queries` queries for it have been answered the old way: a
  // name that starts resolving while a client keeps asking, with no timing involved.
  void set_after(const std::string& name, int queries, Record record) {
    std::lock_guard lock(mutex_);
    later_[name] = {queries, std::move(record)};
  }
  // How many queries for name (any type) arrived so far.
  int queries(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(name);
    return it == counts_.end() ? 0 : it->second;
  }

 private:
  struct Due {
    std::chrono::steady_clock::time_point at;
    std::vector<unsigned char> message;
    sockaddr_storage peer;
    socklen_t peer_len;
  };

  void serve() {
    std::vector<Due> due;
    for (;;) {
      auto now = std::chrono::steady_clock::now();
      for (auto it = due.begin(); it != due.end();) {
        if (it->at <= now) {
          ::sendto(fd_, it->message.data(), it->message.size(), 0,
                   reinterpret_cast<sockaddr*>(&it->peer), it->peer_len);
          it = due.erase(it);
        } else {
          ++it;
        }
      }
      int timeout = -1;
      for (const Due& d : due) {
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(d.at - now).count();
        if (timeout < 0 || ms < timeout) timeout = static_cast<int>(ms);
      }
      pollfd p[2] = {{fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(p, 2, timeout) < 0 && errno != EINTR) return;
      if (p[1].revents) return;
      if (!(p[0].revents & POLLIN)) continue;
      unsigned char buf[512];
      Due d{};
      d.peer_len = sizeof d.peer;
      ssize_t n =
          ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&d.peer), &d.peer_len);
      if (n < 12) continue;
      std::chrono::milliseconds delay{0};
      if (!answer(buf, static_cast<size_t>(n), d.message, delay)) continue;
      d.at = std::chrono::steady_clock::now() + delay;
      due.push_back(std::move(d));
    }
  }

  // Builds the answer to the query in buf; false when it is to be ignored.
  bool answer(const unsigned char* buf, size_t n, std::vector<unsigned char>& out,
              std::chrono::milliseconds& delay) {
    size_t pos = 12;
    std::string name;
    while (pos < n && buf[pos] != 0) {
      size_t len = buf[pos++];
      if (pos + len > n) return false;
      if (!name.empty()) name += '.';
      name.append(reinterpret_cast<const char*>(buf + pos), len);
      pos += len;
    }
    if (pos + 5 > n) return false;
    ++pos;
    unsigned type = (buf[pos] << 8) | buf[pos + 1];
    size_t question_end = pos + 4;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

    std::vector<std::string> addresses;
    unsigned rcode = 0;
    {
      std::lock_guard lock(mutex_);
      int seen = counts_[name]++;
      if (auto later = later_.find(name); later != later_.end() && seen >= later->second.first) {
        table_[name] = later->second.second;
        later_.erase(later);
      }
      auto it = table_.find(name);
      if (it == table_.end()) {
        rcode = 3;  // NXDOMAIN
      } else {
        if (it->second.silent) return false;
        addresses = type == 28 ? it->second.aaaa : type == 1 ? it->second.a : addresses;
        delay = type == 28 ? it->second.aaaa_delay : it->second.a_delay;
      }
    }
    out.assign(buf, buf + question_end);
    out[2] = static_cast<unsigned char>(0x84 | (buf[2] & 0x01));  // QR, AA, RD copied
    out[3] = static_cast<unsigned char>(0x80 | rcode);            // RA
    out[4] = 0;
    out[5] = 1;
    out[6] = 0;
    out[7] = static_cast<unsigned char>(addresses.size());
    for (int i = 8; i < 12; ++i) out[i] = 0;
    for (const std::string& a : addresses) {
      unsigned char raw[16];
      bool v6 = type == 28;
      if (::inet_pton(v6 ? AF_INET6 : AF_INET, a.c_str(), raw) != 1) continue;
      dns::put16(out, 0xc00c);  // the name of the question
      dns::put16(out, type);
      dns::put16(out, 1);
      dns::put16(out, 0);
      dns::put16(out, 0);  // TTL 0
      dns::put16(out, v6 ? 16 : 4);
      out.insert(out.end(), raw, raw + (v6 ? 16 : 4));
    }
    return true;
  }

  std::string address_;
  int fd_ = -1;
  int stop_[2] = {-1, -1};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, Record> table_;
  std::map<std::string, int> counts_;
  std::map<std::string, std::pair<int, Record>> later_;
};

inline bool& private_etc_done() {
  static bool done = false;
  return done;
}

// Gives this process (which must be single-threaded) a private mount namespace where
// /etc/hosts and /etc/resolv.conf hold the given texts; the real files are not touched, and
// programs started afterwards see the same. Returns "" or why it could not.
inline std::string private_etc(const std::string& hosts, const std::string& resolv_conf) {
  if (::unshare(CLONE_NEWNS) != 0) {
    return std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
  }
  // Nothing mounted from here on may reach the host's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return std::string("making / private: ") + std::strerror(errno);
  }
  char dir[] = "/tmp/nbc-etc-XXXXXX";
  if (!::mkdtemp(dir)) return std::string("mkdtemp: ") + std::strerror(errno);
  std::string error;
  for (auto [file, text] : {std::pair{"hosts", &hosts}, std::pair{"resolv.conf", &resolv_conf}}) {
    std::string source = std::string(dir) + "/" + file;
    std::string target = std::string("/etc/") + file;
    if (FILE* f = std::fopen(source.c_str(), "w")) {
      std::fputs(text->c_str(), f);
      std::fclose(f);
    }
    // A file bound here by an earlier test of this process is gone from the tree: undo that
    // mount first, or the new one would find no target.
    if (private_etc_done()) ::umount2(target.c_str(), MNT_DETACH);
    if (error.empty() && ::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      error = "bind-mounting over " + target + ": " + std::strerror(errno);
    }
    // The mount keeps the file alive; the name is no longer needed.
    ::unlink(source.c_str());
  }
  ::rmdir(dir);
  private_etc_done() = true;
  return error;
}

}  // namespace nbc::test
