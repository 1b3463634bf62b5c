// Readiness through ppoll(): an array of pollfd, rebuilt by swap-removal.
#include <poll.h>

#include <cerrno>
#include <unordered_map>
#include <vector>

#include "poller/poller.hpp"

namespace nbc::detail {
namespace {

class PollPoller final : public Poller {
 public:
  Backend backend() const override { return Backend::poll; }

  int add(int fd, std::uint32_t interest, std::uint64_t token) override {
    if (index_.contains(fd)) return -EEXIST;
    short ev = 0;
    if (interest & kReadable) ev |= POLLIN;
    if (interest & kWritable) ev |= POLLOUT;
    index_[fd] = fds_.size();
    fds_.push_back(pollfd{fd, ev, 0});
    tokens_.push_back(token);
    return 0;
  }

  int remove(int fd) override {
    auto it = index_.find(fd);
    if (it == index_.end()) return -ENOENT;
    // Swap with the last entry so removal stays O(1).
    size_t i = it->second;
    size_t last = fds_.size() - 1;
    if (i != last) {
      fds_[i] = fds_[last];
      tokens_[i] = tokens_[last];
      index_[fds_[i].fd] = i;
    }
    fds_.pop_back();
    tokens_.pop_back();
    index_.erase(it);
    return 0;
  }

  int wait(std::span<PollEvent> out, std::chrono::nanoseconds timeout) override {
    timespec ts{};
    timespec* tsp = nullptr;
    if (timeout.count() >= 0) {
      ts = to_timespec(timeout);
      tsp = &ts;
    }
    int n = ::ppoll(fds_.data(), fds_.size(), tsp, nullptr);
    int err = n < 0 ? errno : 0;
    int count = 0;
    for (size_t i = 0; n > 0 && i < fds_.size() && count < static_cast<int>(out.size()); ++i) {
      short re = fds_[i].revents;
      if (!re) continue;
      std::uint32_t bits = 0;
      if (re & POLLIN) bits |= kReadable;
      if (re & POLLOUT) bits |= kWritable;
      if (re & POLLERR) bits |= kError;
      if (re & POLLHUP) bits |= kHangup;
      if (re & POLLNVAL) bits |= kError;
      out[count++] = PollEvent{tokens_[i], bits};
    }
    if (tracer_) trace_wait("ppoll", n < 0 ? n : count, err, out.first(count), timeout);
    return n < 0 ? -err : count;
  }

 private:
  std::vector<pollfd> fds_;
  std::vector<std::uint64_t> tokens_;
  std::unordered_map<int, size_t> index_;
};

}  // namespace

std::expected<std::unique_ptr<Poller>, int> make_poll_poller() {
  return std::make_unique<PollPoller>();
}

}  // namespace nbc::detail
