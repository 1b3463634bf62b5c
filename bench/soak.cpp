// Soak driver: runs many attempts through one entry point of the library (nbc::connect, the
// Engine, a Dialer on its own loop, Connectors on an EventLoop run here) over a mix of open,
// refused, dropped, ICMP-rejected and self-connect ports, and watches for leaks from inside: every
// second it prints the descriptors (/proc/self/fd), the resident memory and the threads; at the
// end it compares the descriptors with the start and the RSS with the RSS after warm-up (by
// default the first quarter of the attempts), and shows the RSS half-way so that a creep that
// levels off (an allocator settling) can be told from a leak (growth in step with the attempts).
// Exit status 0: descriptors back to the start value and RSS grown < 5% after warm-up; 1: either
// failed; 64: bad arguments.
//
//   soak ENTRY ATTEMPTS [--mix K,K..] [--concurrency N] [--timeout-ms MS] [--threads N]
//        [--round N] [--warmup PCT]
//   ENTRY: connect | engine | dialer | embedded;  K: open refused dropped icmp self
//
// The target layout is staged by bench/soak.sh (in a private network namespace) and is fixed:
//   open     127.0.0.1:20001-20004   listeners in a child process of this driver (so that the
//                                    accepted sockets are not in the descriptors measured here)
//   refused  127.0.0.2:1-16          iptables REJECT: 1-8 tcp-reset, 9-16 icmp-port-unreachable
//   dropped  127.0.0.3:1-16          iptables DROP (each attempt waits for --timeout-ms)
//   icmp     127.0.0.4:1-16          iptables REJECT icmp-host-unreachable
//   self     127.0.0.1:every port of net.ipv4.ip_local_port_range (soak.sh makes it small and
//                                    nothing listens there, so the kernel now and then picks the
//                                    target itself as the source port: a self-connect)
// Several ports per class leave each destination enough source ports in the small range.
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "nbconnect/nbconnect.hpp"

namespace {

using Clock = std::chrono::steady_clock;

enum Kind : unsigned { kOpen, kRefused, kDropped, kIcmp, kSelf, kKinds };
constexpr std::array<std::string_view, kKinds> kKindNames = {"open", "refused", "dropped", "icmp",
                                                             "self"};
constexpr std::uint16_t kOpenFirst = 20001, kOpenCount = 4, kFirewalledPorts = 16;
constexpr unsigned kReasons = 16;  // past the last nbc::Reason
constexpr unsigned kErrnos = 140;  // past the last Linux errno

struct Config {
  std::string entry;
  std::uint64_t attempts = 0;
  std::vector<Kind> mix = {kOpen, kRefused, kDropped, kIcmp, kSelf};
  std::size_t concurrency = 512;
  std::chrono::milliseconds timeout{50};
  unsigned threads = 2;         // the engine's loops
  std::uint64_t round = 20000;  // probes per Engine::run
  // The fraction of attempts after which RSS must stay flat. A quarter: with 64 threads running
  // nbc::connect, glibc's 15 malloc arenas each grow from about 130 KB to 180 KB over the first
  // ~400,000 attempts before they level off.
  double warmup = 0.25;
};

// The targets of each class, and the class of an address (outcomes are tallied by their peer).
struct Targets {
  std::array<std::vector<nbc::Endpoint>, kKinds> of;
  std::uint16_t self_first = 0, self_last = 0;

  Kind kind_of(const nbc::Endpoint& peer) const {
    const std::string a = peer.address();
    if (a == "127.0.0.2") return kRefused;
    if (a == "127.0.0.3") return kDropped;
    if (a == "127.0.0.4") return kIcmp;
    if (peer.port() >= kOpenFirst && peer.port() < kOpenFirst + kOpenCount) return kOpen;
    return kSelf;
  }
};

Targets make_targets() {
  Targets t;
  auto add = [&](Kind k, const char* address, std::uint16_t port) {
    t.of[k].push_back(*nbc::parse_ipv4(address, port));
  };
  for (std::uint16_t p = 0; p < kOpenCount; ++p) add(kOpen, "127.0.0.1", kOpenFirst + p);
  for (std::uint16_t p = 1; p <= kFirewalledPorts; ++p) {
    add(kRefused, "127.0.0.2", p);
    add(kDropped, "127.0.0.3", p);
    add(kIcmp, "127.0.0.4", p);
  }
  unsigned first = 0, last = 0;
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  range >> first >> last;
  if (first == 0 || last < first || last - first >= 256) {
    std::fprintf(stderr, "soak: the ephemeral range %u-%u is not a small one (soak.sh sets it)\n",
                 first, last);
    std::exit(1);
  }
  t.self_first = static_cast<std::uint16_t>(first);
  t.self_last = static_cast<std::uint16_t>(last);
  for (unsigned p = first; p <= last; ++p) add(kSelf, "127.0.0.1", static_cast<std::uint16_t>(p));
  return t;
}

// Attempt i goes to the classes of the mix in turn, and within a class to its ports in turn.
nbc::Endpoint target_of(const Config& c, const Targets& t, std::uint64_t i) {
  const auto& list = t.of[c.mix[i % c.mix.size()]];
  return list[(i / c.mix.size()) % list.size()];
}

// ---- what the process holds ----

int count_descriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the directory's own descriptor
}

struct Usage {
  long rss_kb = 0;
  int threads = 0;
};

Usage usage() {
  Usage u;
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") status >> u.rss_kb;
    if (key == "Threads:") status >> u.threads;
    status.ignore(1 << 20, '\n');
  }
  return u;
}

// ---- outcomes ----

struct Tally {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> sockets{0};  // sockets used, retries included
  std::array<std::array<std::atomic<std::uint64_t>, kReasons>, kKinds> reasons{};
  // Outcomes of a local error or named by their errno (Reason::other_errno), by errno.
  std::array<std::array<std::atomic<std::uint64_t>, kErrnos>, kKinds> errnos{};
  // Sockets beyond one per outcome: the driver's retries after a self-connect or a local error.
  std::array<std::atomic<std::uint64_t>, kKinds> retried{};
  std::atomic<std::uint64_t> cancelled{0};
  std::uint64_t self_connects = 0, local_retries = 0;  // the engine's own counts

  void count(const Targets& t, const nbc::Outcome& o) {
    const Kind k = t.kind_of(o.peer);
    const auto r = std::min<unsigned>(static_cast<unsigned>(o.reason), kReasons - 1);
    if (o.reason == nbc::Reason::other_errno || o.reason == nbc::Reason::local_resources)
      errnos[k][std::min<unsigned>(static_cast<unsigned>(o.error), kErrnos - 1)].fetch_add(1);
    else
      reasons[k][r].fetch_add(1, std::memory_order_relaxed);
    if (o.attempts > 1) retried[k].fetch_add(static_cast<std::uint64_t>(o.attempts - 1));
    sockets.fetch_add(static_cast<std::uint64_t>(o.attempts), std::memory_order_relaxed);
  }
};

// ---- the open ports: a child process that accepts and holds each connection until the client
// closes it (closing at once would reset some connections before the client read its result) ----

pid_t start_listeners() {
  int ready[2];
  if (pipe(ready) != 0) return -1;
  const pid_t pid = fork();
  if (pid != 0) {
    close(ready[1]);
    char c = 0;
    const bool ok = read(ready[0], &c, 1) == 1;
    close(ready[0]);
    return ok ? pid : -1;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  close(ready[0]);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<int> listeners;
  for (std::uint16_t p = 0; p < kOpenCount; ++p) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(kOpenFirst + p);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 4096) != 0) _exit(1);
    epoll_event e{EPOLLIN, {.fd = fd}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    listeners.push_back(fd);
  }
  if (write(ready[1], "x", 1) != 1) _exit(1);
  close(ready[1]);
  epoll_event events[256];
  for (;;) {
    const int n = epoll_wait(ep, events, 256, -1);
    for (int k = 0; k < n; ++k) {
      const int fd = events[k].data.fd;
      if (std::find(listeners.begin(), listeners.end(), fd) == listeners.end()) {
        close(fd);  // the client's reset (or FIN): the connection is over
        continue;
      }
      for (int m = 0; m < 256; ++m) {
        const int c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) break;
        epoll_event e{EPOLLIN | EPOLLRDHUP, {.fd = c}};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &e) != 0) close(c);
      }
    }
  }
}

// ---- the four entry points; each returns when every attempt has its outcome ----

// Called once the last attempt has its outcome and before the entry point's objects (loop,
// dialer, connectors) are destroyed: the end RSS is compared with the mid-run RSS like for like.
using EndHook = std::function<void()>;

nbc::ConnectOptions attempt_options(const Config& c) {
  nbc::ConnectOptions o;
  o.timeout = c.timeout;
  o.linger_zero = true;  // an open connection leaves no TIME_WAIT in the small port range
  o.keep_socket = true;  // handed over and closed here: the Outcome's Socket is exercised too
  return o;
}

void run_connect(const Config& c, const Targets& t, Tally& tally, const EndHook& at_end) {
  std::atomic<std::uint64_t> next{0};
  const nbc::ConnectOptions options = attempt_options(c);
  std::vector<std::thread> threads;
  // The threads stay until the end is measured, like the other entry points' objects.
  std::latch finished(static_cast<std::ptrdiff_t>(c.concurrency)), measured(1);
  for (std::size_t k = 0; k < c.concurrency; ++k) {
    threads.emplace_back([&] {
      for (std::uint64_t i; (i = next.fetch_add(1)) < c.attempts;) {
        const nbc::Outcome o = nbc::connect(target_of(c, t, i), options);
        tally.count(t, o);
        tally.done.fetch_add(1, std::memory_order_relaxed);
      }
      finished.count_down();
      measured.wait();
    });
  }
  finished.wait();
  at_end();
  measured.count_down();
  for (auto& th : threads) th.join();
}

// Rounds of Engine::run, each a random-order plan of `round` probes: one group per class of the
// mix, its port list cycled to the class's share (a plan may repeat a port).
void run_engine(const Config& c, const Targets& t, Tally& tally, const EndHook& at_end) {
  nbc::EngineOptions options;
  options.connect.timeout = c.timeout;
  // Set, as the CLI sets it: EngineOptions' default leaves it off, so open probes are closed
  // with a FIN and sit in TIME_WAIT, which in the small port range runs out of source ports
  // (EADDRNOTAVAIL; the window shrinks to a few sockets and the rate falls 40-fold).
  options.connect.linger_zero = true;
  options.concurrency = c.concurrency;
  options.threads = c.threads;
  options.retries = 0;
  nbc::Engine engine(options);
  std::uint64_t started = 0;
  for (std::uint64_t seed = 1; started < c.attempts; ++seed) {
    const std::uint64_t n = std::min(c.round, c.attempts - started);
    nbc::ScanPlan plan;
    plan.order = nbc::Order::random;
    plan.seed = seed;
    for (std::size_t g = 0; g < c.mix.size(); ++g) {
      const auto& list = t.of[c.mix[g]];
      nbc::ScanGroup group;
      group.hosts.push_back(list.front());
      const std::uint64_t share = n / c.mix.size() + (g < n % c.mix.size() ? 1 : 0);
      for (std::uint64_t j = 0; j < share; ++j) group.ports.push_back(list[j % list.size()].port());
      plan.groups.push_back(std::move(group));
    }
    const nbc::EngineStats stats = engine.run(plan, [&](const nbc::Probe&, nbc::Outcome& o) {
      tally.count(t, o);
      tally.done.fetch_add(1, std::memory_order_relaxed);
    });
    tally.self_connects += stats.self_connects;
    tally.local_retries += stats.local_retries;
    started += n;
  }
  at_end();
}

// One dial per attempt, of two addresses: the attempt's target, then the next class's (RFC 8305:
// the second starts 10 ms after the first unless that failed sooner; the loser is cancelled).
// `concurrency` dials in flight, a finished one starting the next from its callback.
void run_dialer(const Config& c, const Targets& t, Tally& tally, const EndHook& at_end) {
  nbc::Dialer dialer(nbc::Backend::epoll);
  nbc::DialOptions options;
  options.connect = attempt_options(c);
  options.attempt_delay = std::chrono::milliseconds(10);
  std::uint64_t next = 0;
  std::function<void()> launch = [&] {
    if (next >= c.attempts) return;
    const std::uint64_t i = next++;
    dialer.dial(std::vector{target_of(c, t, i), target_of(c, t, i + 1)}, options,
                [&](nbc::DialResult r) {
                  for (const auto& o : r.tried) tally.count(t, o);
                  if (r.tried.empty()) tally.count(t, r.outcome);
                  tally.done.fetch_add(1, std::memory_order_relaxed);
                  launch();
                });
  };
  for (std::size_t k = 0; k < c.concurrency; ++k) launch();
  dialer.run();
  at_end();
}

// Connectors on an EventLoop run here, `concurrency` at once, each restarted from its own
// callback. Every 16th attempt gets a fresh Connector (the old one is destroyed inside its
// callback, which the header allows); every 50th first starts a dropped target and at once
// restarts on its own target, which cancels the first attempt.
void run_embedded(const Config& c, const Targets& t, Tally& tally, const EndHook& at_end) {
  nbc::EventLoop loop;
  const nbc::ConnectOptions options = attempt_options(c);
  std::vector<std::unique_ptr<nbc::Connector>> slots(c.concurrency);
  std::uint64_t next = 0;
  std::function<void(std::size_t)> start = [&](std::size_t s) {
    if (next >= c.attempts) return;
    const std::uint64_t i = next++;
    if (!slots[s] || i % 16 == 0) slots[s] = std::make_unique<nbc::Connector>(loop);
    if (i % 50 == 0) {
      slots[s]->start(t.of[kDropped][i % kFirewalledPorts], options, [](nbc::Outcome) {});
      tally.cancelled.fetch_add(1, std::memory_order_relaxed);
    }
    slots[s]->start(target_of(c, t, i), options, [&, s](nbc::Outcome o) {
      tally.count(t, o);
      tally.done.fetch_add(1, std::memory_order_relaxed);
      start(s);
    });
  };
  for (std::size_t s = 0; s < slots.size(); ++s) start(s);
  loop.run();
  at_end();
}

// ---- arguments ----

[[noreturn]] void usage_error(const std::string& word) {
  std::fprintf(stderr,
               "soak: bad argument %s\nusage: soak connect|engine|dialer|embedded ATTEMPTS "
               "[--mix K,K..] [--concurrency N] [--timeout-ms MS] [--threads N] [--round N] "
               "[--warmup PCT]\n",
               nbc::quote(word).c_str());
  std::exit(64);
}

std::uint64_t number(const char* word) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(word, &end, 10);
  if (*word == '\0' || *end != '\0' || v == 0) usage_error(word);
  return v;
}

Config parse(int argc, char** argv) {
  if (argc < 3) usage_error(argc > 1 ? argv[1] : "");
  Config c;
  c.entry = argv[1];
  if (c.entry != "connect" && c.entry != "engine" && c.entry != "dialer" && c.entry != "embedded")
    usage_error(c.entry);
  c.attempts = number(argv[2]);
  for (int a = 3; a < argc; a += 2) {
    const std::string_view flag = argv[a];
    if (a + 1 >= argc) usage_error(argv[a]);
    const char* value = argv[a + 1];
    if (flag == "--mix") {
      c.mix.clear();
      std::string_view rest = value;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view word = rest.substr(0, comma);
        const auto it = std::find(kKindNames.begin(), kKindNames.end(), word);
        if (it == kKindNames.end()) usage_error(std::string(word));
        c.mix.push_back(static_cast<Kind>(it - kKindNames.begin()));
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
      }
      if (c.mix.empty()) usage_error(value);
    } else if (flag == "--concurrency") {
      c.concurrency = number(value);
    } else if (flag == "--timeout-ms") {
      c.timeout = std::chrono::milliseconds(number(value));
    } else if (flag == "--threads") {
      c.threads = static_cast<unsigned>(number(value));
    } else if (flag == "--round") {
      c.round = number(value);
    } else if (flag == "--warmup") {
      c.warmup = static_cast<double>(number(value)) / 100;
      if (c.warmup >= 1) usage_error(value);
    } else {
      usage_error(argv[a]);
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const Config c = parse(argc, argv);
  const Targets targets = make_targets();
  nbc::raise_fd_limit();
  signal(SIGPIPE, SIG_IGN);  // the library never raises it; this is only belt and braces
  const pid_t listeners = start_listeners();  // before any thread: fork() copies only this one
  if (listeners < 0) {
    std::fprintf(stderr, "soak: the listeners on 127.0.0.1:%u-%u did not start\n", kOpenFirst,
                 kOpenFirst + kOpenCount - 1);
    return 1;
  }

  Tally tally;
  const int fd_start = count_descriptors();
  const Usage at_start = usage();
  std::printf("soak %s: %llu attempts, mix", c.entry.c_str(),
              static_cast<unsigned long long>(c.attempts));
  for (Kind k : c.mix) std::printf(" %s", kKindNames[k].data());
  std::printf(", concurrency %zu, timeout %lld ms, self ports %u-%u; fds %d, rss %ld KB\n",
              c.concurrency, static_cast<long long>(c.timeout.count()), targets.self_first,
              targets.self_last, fd_start, at_start.rss_kb);
  std::fflush(stdout);

  // The sampler: a line a second, and the RSS once the warm-up share of attempts is done.
  const auto began = Clock::now();
  const auto warm_count = static_cast<std::uint64_t>(static_cast<double>(c.attempts) * c.warmup);
  long rss_warm = 0, rss_max = 0, rss_half = 0;
  std::mutex mutex;
  std::condition_variable wake;
  bool finished = false;
  std::thread sampler([&] {
    std::uint64_t last = 0;
    std::unique_lock lock(mutex);
    for (int second = 1;
         !wake.wait_until(lock, began + std::chrono::seconds(second), [&] { return finished; });
         ++second) {
      const std::uint64_t done = tally.done.load();
      const Usage u = usage();
      const bool warm_now = rss_warm == 0 && done >= warm_count;
      if (warm_now) rss_warm = u.rss_kb;
      if (rss_warm != 0) rss_max = std::max(rss_max, u.rss_kb);
      if (rss_half == 0 && done >= c.attempts / 2) rss_half = u.rss_kb;
      std::printf("  t=%3ds done=%9llu  +%6llu/s  fds=%5d  rss=%6ld KB  threads=%d%s\n", second,
                  static_cast<unsigned long long>(done),
                  static_cast<unsigned long long>(done - last), count_descriptors(), u.rss_kb,
                  u.threads, warm_now ? "  <- warm-up done" : "");
      std::fflush(stdout);
      last = done;
    }
  });

  double seconds = 0;
  long rss_end = 0;
  const EndHook at_end = [&] {
    seconds = std::chrono::duration<double>(Clock::now() - began).count();
    rss_end = usage().rss_kb;
  };
  if (c.entry == "connect") run_connect(c, targets, tally, at_end);
  if (c.entry == "engine") run_engine(c, targets, tally, at_end);
  if (c.entry == "dialer") run_dialer(c, targets, tally, at_end);
  if (c.entry == "embedded") run_embedded(c, targets, tally, at_end);
  const long rss_after = usage().rss_kb;  // the entry point's objects destroyed
  {
    std::lock_guard lock(mutex);
    finished = true;
  }
  wake.notify_one();
  sampler.join();
  kill(listeners, SIGKILL);
  waitpid(listeners, nullptr, 0);
  const int fd_end = count_descriptors();
  const bool warm_sampled = rss_warm != 0;
  if (!warm_sampled) rss_warm = rss_end;  // too short a run to sample after the warm-up
  rss_max = std::max(rss_max, rss_end);

  std::printf("outcomes (by the address tried; %llu sockets",
              static_cast<unsigned long long>(tally.sockets.load()));
  if (tally.cancelled.load() != 0)
    std::printf(", %llu attempts cancelled on purpose",
                static_cast<unsigned long long>(tally.cancelled.load()));
  if (c.entry == "engine")
    std::printf("; the engine counted %llu self-connects, %llu local-error retries",
                static_cast<unsigned long long>(tally.self_connects),
                static_cast<unsigned long long>(tally.local_retries));
  std::printf("):\n");
  for (unsigned k = 0; k < kKinds; ++k) {
    std::string line;
    for (unsigned r = 0; r < kReasons; ++r) {
      const std::uint64_t n = tally.reasons[k][r].load();
      if (n == 0) continue;
      line += " " + nbc::reason_name(static_cast<nbc::Reason>(r), 0) + "=" + std::to_string(n);
    }
    for (unsigned e = 0; e < kErrnos; ++e) {
      const std::uint64_t n = tally.errnos[k][e].load();
      if (n == 0) continue;
      const int err = static_cast<int>(e);
      line += " " + std::string(nbc::errno_name(err)) + "=" + std::to_string(n);
    }
    if (const std::uint64_t n = tally.retried[k].load(); n != 0)
      line += "  [+" + std::to_string(n) + " sockets retried]";
    if (!line.empty()) std::printf("  %-8s%s\n", kKindNames[k].data(), line.c_str());
  }
  const double growth =
      100.0 * static_cast<double>(rss_end - rss_warm) / static_cast<double>(rss_warm);
  const bool fds_ok = fd_end == fd_start;
  const bool rss_ok = growth < 5.0;
  std::printf(
      "RESULT entry=%s attempts=%llu seconds=%.1f rate=%.0f/s fd_start=%d fd_end=%d "
      "rss_start_kb=%ld rss_warm_kb=%ld rss_half_kb=%ld rss_max_kb=%ld rss_end_kb=%ld "
      "rss_after_kb=%ld "
      "growth=%.1f%% %s%s\n",
      c.entry.c_str(), static_cast<unsigned long long>(tally.done.load()), seconds,
      static_cast<double>(tally.done.load()) / seconds, fd_start, fd_end, at_start.rss_kb, rss_warm,
      rss_half != 0 ? rss_half : rss_end, rss_max, rss_end, rss_after, growth,
      fds_ok && rss_ok ? "PASS" : "FAIL", warm_sampled ? "" : " (warm-up not sampled: run longer)");
  if (!fds_ok) std::printf("soak: %d descriptors leaked\n", fd_end - fd_start);
  if (!rss_ok) std::printf("soak: RSS grew %.1f%% after the warm-up\n", growth);
  return fds_ok && rss_ok ? 0 : 1;
}
