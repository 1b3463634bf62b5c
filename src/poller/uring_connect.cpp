// IORING_OP_CONNECT with a linked IORING_OP_LINK_TIMEOUT per attempt (connect_ring.hpp).
#include <liburing.h>

#include <cerrno>
#include <deque>

#include "poller/connect_ring.hpp"

namespace nbc::detail {
namespace {

// The linked timeouts' own completions (-ETIME when they fired, -ECANCELED when the connect
// answered first): the connect's completion already says everything.
constexpr std::uint64_t kTimeoutData = ~std::uint64_t{0} - 1;

class UringConnectRing final : public ConnectRing {
 public:
  UringConnectRing() = default;
  ~UringConnectRing() override {
    if (initialised_) io_uring_queue_exit(&ring_);
  }

  int init(unsigned sq_entries, unsigned cq_entries) {
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
    if (r < 0) return -r;
    initialised_ = true;
    io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
    bool ok = probe && io_uring_opcode_supported(probe, IORING_OP_CONNECT) &&
              io_uring_opcode_supported(probe, IORING_OP_LINK_TIMEOUT);
    if (probe) io_uring_free_probe(probe);
    // Without NODROP a burst of completions past the CQ ring's size would be lost.
    if (!(params.features & IORING_FEAT_NODROP)) ok = false;
    return ok ? 0 : EOPNOTSUPP;
  }

  int connect(int fd, const Endpoint& target, std::chrono::nanoseconds timeout,
              std::uint64_t token) override {
    // The pair must go in together: a connect linked to the next request's timeout of someone
    // else would be wrong.
    if (io_uring_sq_space_left(&ring_) < 2) {
      int r = submit();
      if (r < 0 || io_uring_sq_space_left(&ring_) < 2) return EAGAIN;
    }
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    io_uring_prep_connect(sqe, fd, target.data(), target.size());
    io_uring_sqe_set_data64(sqe, token);
    sqe->flags |= IOSQE_IO_LINK;
    if (timeout.count() < 0) timeout = std::chrono::nanoseconds(0);
    __kernel_timespec& ts = timespecs_.emplace_back();
    ts.tv_sec = timeout.count() / 1000000000;
    ts.tv_nsec = timeout.count() % 1000000000;
    sqe = io_uring_get_sqe(&ring_);
    io_uring_prep_link_timeout(sqe, &ts, 0);
    io_uring_sqe_set_data64(sqe, kTimeoutData);
    return 0;
  }

  int wait(std::span<ConnectCompletion> out, std::chrono::nanoseconds timeout) override {
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
    if (r < 0 && r != -ETIME && r != -EBUSY) return count > 0 ? count : r;
    if (count < static_cast<int>(out.size())) count += reap(out.subspan(count));
    return count;
  }

 private:
  int submit() {
    int r = io_uring_submit(&ring_);
    forget_submitted();
    return r;
  }

  // The kernel reads each timeout's timespec when the request is submitted: they can go once
  // the submission queue is empty.
  void forget_submitted() {
    if (io_uring_sq_ready(&ring_) == 0) timespecs_.clear();
  }

  int reap(std::span<ConnectCompletion> out) {
    int count = 0;
    io_uring_cqe* cqe = nullptr;
    while (count < static_cast<int>(out.size()) && io_uring_peek_cqe(&ring_, &cqe) == 0) {
      std::uint64_t data = io_uring_cqe_get_data64(cqe);
      int res = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      if (data == kTimeoutData || data == LIBURING_UDATA_TIMEOUT) continue;
      out[count++] = ConnectCompletion{data, res};
    }
    return count;
  }

  io_uring ring_{};
  bool initialised_ = false;
  std::deque<__kernel_timespec> timespecs_;
};

}  // namespace

std::unique_ptr<ConnectRing> make_connect_ring(unsigned capacity_hint, int& err) {
  // Each launch batch queues two requests per attempt; the completion queue holds two per
  // attempt in flight (more are kept by the kernel, IORING_FEAT_NODROP).
  unsigned cq = 4096;
  while (cq < 2 * static_cast<unsigned long>(capacity_hint) && cq < 65536) cq *= 2;
  auto ring = std::make_unique<UringConnectRing>();
  if ((err = ring->init(1024, cq)) != 0) return nullptr;
  return ring;
}

}  // namespace nbc::detail
