// The built-in reactor (event_loop.hpp): a poller made on first need, a table of watched
// descriptors indexed by descriptor, and a timer heap. Tokens given to the poller are
// (generation << 32 | fd), so an event for a descriptor unwatched earlier in the same batch, or
// watched again since, is recognised as stale and dropped.
#include "nbconnect/event_loop.hpp"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>
#include <vector>

#include "poller/poller.hpp"
#include "timer_heap.hpp"

namespace nbc {

struct EventLoop::Impl {
  struct Watch {
    IoHandler* io = nullptr;
    ConnectHandler* connect = nullptr;
    std::uint32_t generation = 0;
  };

  EventLoopOptions options;
  std::unique_ptr<detail::Poller> poller;
  std::vector<Watch> watches;  // by descriptor
  std::size_t watched = 0;     // descriptors watched plus connects submitted
  detail::TimerHeap timers;
  std::vector<detail::PollEvent> events = std::vector<detail::PollEvent>(512);

  // Makes the poller on first need: a connect that answers at once needs none, and the first
  // socket then gets the lowest descriptor, as in a hand-written program. Returns 0 or -errno.
  int ensure_poller() {
    if (poller) return 0;
    auto made = detail::make_poller(options.backend, options.capacity_hint, options.uring_connect);
    if (!made) return made.error();
    poller = std::move(*made);
    poller->set_tracer(&options.trace);
    return 0;
  }

  Watch& slot(int fd) {
    if (static_cast<std::size_t>(fd) >= watches.size()) {
      watches.resize(std::max<std::size_t>(static_cast<std::size_t>(fd) + 1, watches.size() * 2));
    }
    return watches[static_cast<std::size_t>(fd)];
  }

  // The free watch entry for fd, under a new generation, with the poller made. 0 or -errno.
  int claim(int fd, Watch*& out) {
    if (fd < 0) return -EBADF;
    if (int r = ensure_poller(); r < 0) return r;
    Watch& w = slot(fd);
    if (w.io || w.connect) return -EEXIST;
    ++w.generation;
    out = &w;
    return 0;
  }

  static std::uint64_t token(int fd, std::uint32_t generation) {
    // The top bit stays clear: the io_uring poller marks its connects with it.
    return (std::uint64_t{generation & 0x7fffffffu} << 32) | static_cast<std::uint32_t>(fd);
  }

  // The watch an event belongs to, or null when it is stale.
  Watch* find(std::uint64_t t) {
    auto fd = static_cast<std::size_t>(t & 0xffffffffu);
    auto generation = static_cast<std::uint32_t>(t >> 32);
    if (fd >= watches.size()) return nullptr;
    Watch& w = watches[fd];
    return (w.generation & 0x7fffffffu) == generation ? &w : nullptr;
  }

  void dispatch(const detail::PollEvent& event) {
    Watch* w = find(event.token);
    if (!w) return;
    if (event.events & detail::kConnected) {
      ConnectHandler* handler = std::exchange(w->connect, nullptr);
      if (!handler) return;
      ++w->generation;
      --watched;
      handler->on_connect(event.result);
    } else if (w->io) {
      w->io->on_io(event.events);
    }
  }

  // Runs the timers that were due when the pass began; a timer armed by one of them for "now"
  // waits for the next turn, so a handler that keeps re-arming cannot hold the loop.
  void run_timers() {
    if (timers.empty()) return;
    const Clock::time_point now = Clock::now();
    const std::uint64_t limit = timers.sequence();
    while (!timers.empty() && timers.next() <= now && timers.next_sequence() < limit) {
      timers.pop()->on_timer();
    }
  }
};

EventLoop::EventLoop(const EventLoopOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  if (!backend_available(options.backend)) {
    throw std::system_error(std::make_error_code(std::errc::function_not_supported),
                            std::string("the ") + std::string(to_string(options.backend)) +
                                " backend is not available here");
  }
}

EventLoop::EventLoop(const EventLoopOptions& options, std::error_code& ec)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  ec.clear();
  if (!backend_available(options.backend)) {
    ec = std::make_error_code(std::errc::function_not_supported);
  }
}

EventLoop::~EventLoop() = default;

Backend EventLoop::backend() const {
  return impl_->options.backend;
}

int EventLoop::open() {
  return impl_->ensure_poller();
}

int EventLoop::watch(int fd, std::uint32_t interest, IoHandler& handler) {
  Impl& im = *impl_;
  Impl::Watch* w = nullptr;
  if (int r = im.claim(fd, w); r < 0) return r;
  if (int r = im.poller->add(fd, interest, Impl::token(fd, w->generation)); r < 0) return r;
  w->io = &handler;
  ++im.watched;
  return 0;
}

void EventLoop::unwatch(int fd, bool closing) {
  Impl& im = *impl_;
  if (fd < 0 || static_cast<std::size_t>(fd) >= im.watches.size()) return;
  Impl::Watch& w = im.watches[static_cast<std::size_t>(fd)];
  if (!w.io) return;
  // epoll drops a descriptor from its set when the last reference is closed; the others keep
  // it in their own tables and must be told.
  if (!closing || im.poller->backend() != Backend::epoll) im.poller->remove(fd);
  w.io = nullptr;
  ++w.generation;
  --im.watched;
}

void EventLoop::arm(Timer& timer, Clock::time_point when) {
  impl_->timers.arm(timer, when);
}

void EventLoop::disarm(Timer& timer) {
  impl_->timers.disarm(timer);
}

bool EventLoop::completes_connects() const {
  Impl& im = *impl_;
  if (!im.options.uring_connect || im.options.backend != Backend::uring) return false;
  return im.ensure_poller() == 0 && im.poller->connects();
}

int EventLoop::submit_connect(int fd, const Endpoint& target, std::chrono::nanoseconds timeout,
                              ConnectHandler& handler) {
  Impl& im = *impl_;
  Impl::Watch* w = nullptr;
  if (int r = im.claim(fd, w); r < 0) return r;
  if (int r = im.poller->connect(fd, target, timeout, Impl::token(fd, w->generation)); r < 0) {
    return r;
  }
  w->connect = &handler;
  ++im.watched;
  return 0;
}

void EventLoop::cancel_connect(int fd) {
  Impl& im = *impl_;
  if (fd < 0 || static_cast<std::size_t>(fd) >= im.watches.size()) return;
  Impl::Watch& w = im.watches[static_cast<std::size_t>(fd)];
  if (!w.connect) return;
  // The request stays in the kernel until its linked timeout ends it; its completion then
  // carries an old generation and is dropped.
  w.connect = nullptr;
  ++w.generation;
  --im.watched;
}

bool EventLoop::busy() const {
  return impl_->watched > 0 || !impl_->timers.empty();
}

bool EventLoop::run_once(std::chrono::nanoseconds limit) {
  Impl& im = *impl_;
  std::chrono::nanoseconds timeout = limit;
  if (!im.timers.empty()) {
    auto until = std::max(im.timers.next() - Clock::now(), Clock::duration::zero());
    timeout = timeout.count() < 0 ? until : std::min(timeout, until);
  }
  bool interrupted = false;
  if (im.watched > 0) {
    int n = im.poller->wait(im.events, timeout);
    if (n == -EINTR) {
      interrupted = true;
    } else if (n < 0) {
      throw std::system_error(-n, std::generic_category(), "event loop wait");
    }
    for (int i = 0; i < n; ++i) im.dispatch(im.events[static_cast<std::size_t>(i)]);
  } else if (timeout.count() > 0) {
    // Only timers (a back-off before a fresh socket): no poller is needed to sleep.
    timespec ts = detail::to_timespec(timeout);
    interrupted = ::clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr) == EINTR;
  } else if (timeout.count() < 0) {
    return true;  // nothing to wait for
  }
  im.run_timers();
  return !interrupted;
}

void EventLoop::run() {
  while (busy()) run_once();
}

}  // namespace nbc
