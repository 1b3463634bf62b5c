// Readiness through pselect(): portable, but limited to descriptors below FD_SETSIZE.
#include <sys/select.h>

#include <cerrno>
#include <map>

#include "poller/poller.hpp"

namespace nbc::detail {
namespace {

class SelectPoller final : public Poller {
 public:
  Backend backend() const override { return Backend::select; }

  int add(int fd, std::uint32_t interest, std::uint64_t token) override {
    // FD_SET on a descriptor >= FD_SETSIZE writes past the end of the fd_set.
    if (fd < 0 || fd >= FD_SETSIZE) return -ERANGE;
    if (entries_.contains(fd)) return -EEXIST;
    entries_[fd] = Entry{interest, token};
    return 0;
  }

  int remove(int fd) override { return entries_.erase(fd) ? 0 : -ENOENT; }

  int wait(std::span<PollEvent> out, std::chrono::nanoseconds timeout) override {
    fd_set rd, wr, ex;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    int maxfd = -1;
    for (const auto& [fd, entry] : entries_) {
      if (entry.interest & kReadable) FD_SET(fd, &rd);
      if (entry.interest & kWritable) FD_SET(fd, &wr);
      FD_SET(fd, &ex);
      maxfd = fd;
    }
    timespec ts{};
    timespec* tsp = nullptr;
    if (timeout.count() >= 0) {
      ts = to_timespec(timeout);
      tsp = &ts;
    }
    int n = ::pselect(maxfd + 1, &rd, &wr, &ex, tsp, nullptr);
    int err = n < 0 ? errno : 0;
    int count = 0;
    for (const auto& [fd, entry] : entries_) {
      if (n <= 0 || count >= static_cast<int>(out.size())) break;
      std::uint32_t bits = 0;
      if (FD_ISSET(fd, &rd)) bits |= kReadable;
      if (FD_ISSET(fd, &wr)) bits |= kWritable;
      if (FD_ISSET(fd, &ex)) bits |= kError;
      if (bits) out[count++] = PollEvent{entry.token, bits};
    }
    if (tracer_) trace_wait("pselect", n < 0 ? n : count, err, out.first(count), timeout);
    return n < 0 ? -err : count;
  }

 private:
  struct Entry {
    std::uint32_t interest;
    std::uint64_t token;
  };
  std::map<int, Entry> entries_;
};

}  // namespace

std::expected<std::unique_ptr<Poller>, int> make_select_poller() {
  return std::make_unique<SelectPoller>();
}

}  // namespace nbc::detail
