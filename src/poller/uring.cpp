// Readiness through io_uring: a multishot IORING_OP_POLL_ADD per watched descriptor.
#include <liburing.h>
#include <poll.h>

#include <cerrno>
#include <vector>

#include "poller/poller.hpp"

namespace nbc::detail {
namespace {

constexpr std::uint64_t kIgnoredData = ~std::uint64_t{0};

class UringPoller final : public Poller {
 public:
  UringPoller() = default;
  ~UringPoller() override { io_uring_queue_exit(&ring_); }
  int init(unsigned entries) {
    int r = io_uring_queue_init(entries, &ring_, 0);
    return r < 0 ? -r : 0;
  }
  Backend backend() const override { return Backend::uring; }

  int add(int fd, std::uint32_t interest, std::uint64_t token) override {
    if (fd < 0) return EBADF;
    if (static_cast<size_t>(fd) >= entries_.size()) entries_.resize(fd + 1);
    Entry& e = entries_[fd];
    if (e.active) return EEXIST;
    e.active = true;
    e.interest = interest;
    e.token = token;
    ++e.generation;
    return arm(fd);
  }

  int remove(int fd) override {
    if (fd < 0 || static_cast<size_t>(fd) >= entries_.size() || !entries_[fd].active) return ENOENT;
    Entry& e = entries_[fd];
    e.active = false;
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) return EBUSY;
    io_uring_prep_poll_remove(sqe, user_data(fd, e.generation));
    io_uring_sqe_set_data64(sqe, kIgnoredData);
    // The ring holds a reference to the file until the poll is gone: submit the removal now so
    // that a close() right after this really releases the socket.
    int r = io_uring_submit(&ring_);
    return r < 0 ? -r : 0;
  }

  int wait(std::span<PollEvent> out, std::chrono::nanoseconds timeout) override {
    int count = 0;
    int err = 0;
    bool waited = false;
    while (count == 0) {
      count = reap(out);
      if (count > 0 || waited) break;
      io_uring_cqe* cqe = nullptr;
      int r;
      if (timeout.count() < 0) {
        r = io_uring_submit_and_wait(&ring_, 1);
      } else {
        __kernel_timespec ts{timeout.count() / 1000000000, timeout.count() % 1000000000};
        r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
      }
      waited = true;
      if (r < 0 && r != -ETIME) {
        err = -r;
        break;
      }
    }
    if (tracer_) trace_wait("io_uring_enter", err ? -1 : count, err, out.first(count), timeout);
    return err ? -err : count;
  }

 private:
  struct Entry {
    bool active = false;
    std::uint32_t interest = 0;
    std::uint32_t generation = 0;
    std::uint64_t token = 0;
  };

  static std::uint64_t user_data(int fd, std::uint32_t generation) {
    return (std::uint64_t{generation} << 32) | static_cast<std::uint32_t>(fd);
  }

  io_uring_sqe* get_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (!sqe) {
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  int arm(int fd) {
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) return EBUSY;
    unsigned mask = POLLERR | POLLHUP;
    if (entries_[fd].interest & kReadable) mask |= POLLIN;
    if (entries_[fd].interest & kWritable) mask |= POLLOUT;
    io_uring_prep_poll_multishot(sqe, fd, mask);
    io_uring_sqe_set_data64(sqe, user_data(fd, entries_[fd].generation));
    return 0;
  }

  int reap(std::span<PollEvent> out) {
    int count = 0;
    io_uring_cqe* cqe = nullptr;
    while (count < static_cast<int>(out.size()) && io_uring_peek_cqe(&ring_, &cqe) == 0) {
      std::uint64_t data = io_uring_cqe_get_data64(cqe);
      int res = cqe->res;
      bool more = cqe->flags & IORING_CQE_F_MORE;
      io_uring_cqe_seen(&ring_, cqe);
      if (data == kIgnoredData) continue;
      int fd = static_cast<int>(data & 0xffffffffu);
      std::uint32_t generation = static_cast<std::uint32_t>(data >> 32);
      if (static_cast<size_t>(fd) >= entries_.size()) continue;
      Entry& e = entries_[fd];
      if (!e.active || e.generation != generation) continue;
      if (!more) arm(fd);  // the multishot poll ended: keep watching, as a level poller would
      if (res < 0) continue;
      std::uint32_t bits = 0;
      if (res & POLLIN) bits |= kReadable;
      if (res & POLLOUT) bits |= kWritable;
      if (res & POLLERR) bits |= kError;
      if (res & POLLHUP) bits |= kHangup;
      out[count++] = PollEvent{fd, bits, e.token};
    }
    return count;
  }

  io_uring ring_{};
  std::vector<Entry> entries_;
};

}  // namespace

std::unique_ptr<Poller> make_uring_poller(unsigned entries, int& err) {
  auto poller = std::make_unique<UringPoller>();
  unsigned size = 64;
  while (size < entries && size < 32768) size *= 2;
  if ((err = poller->init(size)) != 0) return nullptr;
  return poller;
}

bool uring_available() {
  static const bool available = [] {
    io_uring ring{};
    if (io_uring_queue_init(2, &ring, 0) < 0) return false;
    io_uring_queue_exit(&ring);
    return true;
  }();
  return available;
}

}  // namespace nbc::detail
