// io_uring behind the Poller interface: readiness through a multishot IORING_OP_POLL_ADD per
// watched descriptor and, where the kernel has them, connects as completions: IORING_OP_CONNECT
// linked to an IORING_OP_LINK_TIMEOUT that carries the attempt's deadline. Requests are queued
// and reach the kernel in one submission per wait(), so a batch of connects costs one system call.
#include <liburing.h>
#include <poll.h>

#include <cerrno>
#include <deque>
#include <vector>

#include "poller/poller.hpp"

namespace nbc::detail {
namespace {

// user_data of requests whose completions carry nothing for the caller.
constexpr std::uint64_t kIgnoredData = ~std::uint64_t{0};
// The linked timeouts (-ETIME when they fired, -ECANCELED when the connect answered first): the
// connect's own completion already says everything.
constexpr std::uint64_t kTimeoutData = ~std::uint64_t{0} - 1;
// Marks a connect's user_data; the rest is the caller's token (the event loop's tokens leave
// the top bit free).
constexpr std::uint64_t kConnectTag = std::uint64_t{1} << 63;

class UringPoller final : public Poller {
 public:
  UringPoller() = default;
  ~UringPoller() override {
    if (initialised_) io_uring_queue_exit(&ring_);
  }

  // Returns 0 or -errno.
  int init(unsigned sq_entries, unsigned cq_entries, bool want_connect) {
    io_uring_params params{};
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL;
    params.cq_entries = cq_entries;
    int r = io_uring_queue_init_params(sq_entries, &ring_, &params);
    if (r == -EINVAL) {
      // Older kernels know no IORING_SETUP_SUBMIT_ALL.
      params = io_uring_params{};
      params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
      params.cq_entries = cq_entries;
      r = io_uring_queue_init_params(sq_entries, &ring_, &params);
    }
    if (r < 0) return r;
    initialised_ = true;
    if (want_connect) {
      io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
      connects_ = probe && io_uring_opcode_supported(probe, IORING_OP_CONNECT) &&
                  io_uring_opcode_supported(probe, IORING_OP_LINK_TIMEOUT) &&
                  // Without NODROP a burst of completions past the CQ ring's size would be lost.
                  (params.features & IORING_FEAT_NODROP);
      if (probe) io_uring_free_probe(probe);
    }
    return 0;
  }

  Backend backend() const override { return Backend::uring; }
  bool connects() const override { return connects_; }

  int add(int fd, std::uint32_t interest, std::uint64_t token) override {
    if (fd < 0) return -EBADF;
    if (static_cast<size_t>(fd) >= entries_.size()) entries_.resize(fd + 1);
    Entry& e = entries_[fd];
    if (e.active) return -EEXIST;
    e.active = true;
    e.interest = interest;
    e.token = token;
    ++e.generation;
    return arm(fd);
  }

  int remove(int fd) override {
    if (fd < 0 || static_cast<size_t>(fd) >= entries_.size() || !entries_[fd].active) {
      return -ENOENT;
    }
    Entry& e = entries_[fd];
    e.active = false;
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) return -EBUSY;
    io_uring_prep_poll_remove(sqe, poll_data(fd, e.generation));
    io_uring_sqe_set_data64(sqe, kIgnoredData);
    // The ring holds a reference to the file until the poll is gone: submit the removal now so
    // that a close() right after this really releases the socket.
    int r = submit();
    return r < 0 ? r : 0;
  }

  int connect(int fd, const Endpoint& target, std::chrono::nanoseconds timeout,
              std::uint64_t token) override {
    if (!connects_) return -EOPNOTSUPP;
    // The pair must go in together: a connect linked to someone else's timeout would be wrong.
    if (io_uring_sq_space_left(&ring_) < 2) {
      int r = submit();
      if (r < 0 || io_uring_sq_space_left(&ring_) < 2) return -EAGAIN;
    }
    // The kernel reads the address and the timespec when the request is submitted: keep copies
    // until then.
    Pending& p = pending_.emplace_back();
    p.target = target;
    if (timeout.count() < 0) timeout = std::chrono::nanoseconds(0);
    p.timeout.tv_sec = timeout.count() / 1000000000;
    p.timeout.tv_nsec = timeout.count() % 1000000000;
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    io_uring_prep_connect(sqe, fd, p.target.data(), p.target.size());
    io_uring_sqe_set_data64(sqe, kConnectTag | token);
    sqe->flags |= IOSQE_IO_LINK;
    sqe = io_uring_get_sqe(&ring_);
    io_uring_prep_link_timeout(sqe, &p.timeout, 0);
    io_uring_sqe_set_data64(sqe, kTimeoutData);
    return 0;
  }

  int wait(std::span<PollEvent> out, std::chrono::nanoseconds timeout) override {
    int count = reap(out);
    int r = 0;
    if (count > 0 || timeout.count() == 0) {
      r = submit();
    } else if (timeout.count() < 0) {
      r = io_uring_submit_and_wait(&ring_, 1);
    } else {
      io_uring_cqe* cqe = nullptr;
      __kernel_timespec ts{timeout.count() / 1000000000, timeout.count() % 1000000000};
      r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    }
    forget_submitted();
    int err = 0;
    if (r < 0 && r != -ETIME && r != -EBUSY && count == 0) err = -r;
    if (!err && count < static_cast<int>(out.size())) count += reap(out.subspan(count));
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
  struct Pending {
    Endpoint target;
    __kernel_timespec timeout{};
  };

  static std::uint64_t poll_data(int fd, std::uint32_t generation) {
    return (std::uint64_t{generation & 0x7fffffffu} << 32) | static_cast<std::uint32_t>(fd);
  }

  int submit() {
    int r = io_uring_submit(&ring_);
    forget_submitted();
    return r;
  }

  void forget_submitted() {
    if (io_uring_sq_ready(&ring_) == 0) pending_.clear();
  }

  io_uring_sqe* get_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (!sqe) {
      submit();
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  int arm(int fd) {
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) return -EBUSY;
    unsigned mask = POLLERR | POLLHUP;
    if (entries_[fd].interest & kReadable) mask |= POLLIN;
    if (entries_[fd].interest & kWritable) mask |= POLLOUT;
    io_uring_prep_poll_multishot(sqe, fd, mask);
    io_uring_sqe_set_data64(sqe, poll_data(fd, entries_[fd].generation));
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
      if (data == kIgnoredData || data == kTimeoutData || data == LIBURING_UDATA_TIMEOUT) continue;
      if (data & kConnectTag) {
        out[count++] = PollEvent{data & ~kConnectTag, kConnected, res};
        continue;
      }
      int fd = static_cast<int>(data & 0xffffffffu);
      auto generation = static_cast<std::uint32_t>(data >> 32);
      if (static_cast<size_t>(fd) >= entries_.size()) continue;
      Entry& e = entries_[fd];
      if (!e.active || (e.generation & 0x7fffffffu) != generation) continue;
      if (!more) arm(fd);  // the multishot poll ended: keep watching, as a level poller would
      if (res < 0) continue;
      std::uint32_t bits = 0;
      if (res & POLLIN) bits |= kReadable;
      if (res & POLLOUT) bits |= kWritable;
      if (res & POLLERR) bits |= kError;
      if (res & POLLHUP) bits |= kHangup;
      out[count++] = PollEvent{e.token, bits};
    }
    return count;
  }

  io_uring ring_{};
  bool initialised_ = false;
  bool connects_ = false;
  std::vector<Entry> entries_;
  std::deque<Pending> pending_;
};

}  // namespace

std::expected<std::unique_ptr<Poller>, int> make_uring_poller(unsigned entries, bool connects) {
  // Connects queue two requests each and complete twice (the connect and its timeout); the
  // completion queue holds two per attempt in flight (more are kept by the kernel, NODROP).
  unsigned sq = 64;
  while (sq < entries && sq < 1024) sq *= 2;
  unsigned cq = connects ? 4096 : 2 * sq;
  while (connects && cq < 2 * static_cast<unsigned long>(entries) && cq < 65536) cq *= 2;
  auto poller = std::make_unique<UringPoller>();
  if (int r = poller->init(sq, cq, connects); r < 0) return std::unexpected(r);
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
