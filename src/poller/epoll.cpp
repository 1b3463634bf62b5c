// Readiness through epoll: the default backend, O(1) per event.
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "poller/poller.hpp"

namespace nbc::detail {
namespace {

std::uint32_t to_epoll(std::uint32_t interest) {
  std::uint32_t ev = 0;
  if (interest & kReadable) ev |= EPOLLIN;
  if (interest & kWritable) ev |= EPOLLOUT;
  return ev;
}

std::uint32_t from_epoll(std::uint32_t ev) {
  std::uint32_t bits = 0;
  if (ev & (EPOLLIN | EPOLLRDHUP)) bits |= kReadable;
  if (ev & EPOLLOUT) bits |= kWritable;
  if (ev & EPOLLERR) bits |= kError;
  if (ev & EPOLLHUP) bits |= kHangup;
  return bits;
}

class EpollPoller final : public Poller {
 public:
  explicit EpollPoller(int epfd) : epfd_(epfd) {}
  ~EpollPoller() override { ::close(epfd_); }
  Backend backend() const override { return Backend::epoll; }

  int add(int fd, std::uint32_t interest, std::uint64_t token) override {
    epoll_event ev{};
    ev.events = to_epoll(interest);
    ev.data.u64 = token;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return -errno;
    return 0;
  }

  int remove(int fd) override {
    // Closing the descriptor would drop it from the set too, but only once no other reference
    // to the open file exists; removing explicitly keeps the set exact.
    epoll_event ev{};
    if (::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev) != 0) return -errno;
    return 0;
  }

  int wait(std::span<PollEvent> out, std::chrono::nanoseconds timeout) override {
    if (raw_.size() < out.size()) raw_.resize(out.size());
    int n;
    if (timeout.count() < 0) {
      n = ::epoll_wait(epfd_, raw_.data(), static_cast<int>(out.size()), -1);
    } else {
      // epoll_pwait2 takes a timespec, so a 1.5 ms deadline is not rounded to 2 ms.
      timespec ts = to_timespec(timeout);
      n = ::epoll_pwait2(epfd_, raw_.data(), static_cast<int>(out.size()), &ts, nullptr);
      if (n < 0 && errno == ENOSYS) {
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
        n = ::epoll_wait(epfd_, raw_.data(), static_cast<int>(out.size()), static_cast<int>(ms));
      }
    }
    int err = n < 0 ? errno : 0;
    for (int i = 0; i < n; ++i) {
      out[i] = PollEvent{raw_[i].data.u64, from_epoll(raw_[i].events)};
    }
    if (tracer_) trace_wait("epoll_pwait2", n, err, out.first(n < 0 ? 0 : n), timeout);
    return n < 0 ? -err : n;
  }

 private:
  int epfd_;
  std::vector<epoll_event> raw_;
};

}  // namespace

std::expected<std::unique_ptr<Poller>, int> make_epoll_poller() {
  int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return std::unexpected(-errno);
  return std::make_unique<EpollPoller>(epfd);
}

}  // namespace nbc::detail
