// Connects through io_uring: IORING_OP_CONNECT linked to an IORING_OP_LINK_TIMEOUT that carries
// the attempt's deadline, submitted in batches. The answer is the completion itself, not a
// readiness event to be interpreted.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>

#include "nbconnect/endpoint.hpp"

namespace nbc::detail {

struct ConnectCompletion {
  std::uint64_t token = 0;
  int res = 0;  // 0: connected; -errno; -ECANCELED: the deadline passed first
};

class ConnectRing {
 public:
  virtual ~ConnectRing() = default;
  // Queues a connect of fd (a blocking socket) to target, cancelled after timeout. target must
  // stay valid until the completion. Nothing reaches the kernel before the next wait(). Returns 0
  // or an errno (EAGAIN: the ring is full).
  virtual int connect(int fd, const Endpoint& target, std::chrono::nanoseconds timeout,
                      std::uint64_t token) = 0;
  // Submits what is queued and waits until at least one connect completed or the timeout passed
  // (negative: no limit; zero: only reaps). Returns the completions written to out or -errno.
  virtual int wait(std::span<ConnectCompletion> out, std::chrono::nanoseconds timeout) = 0;
};

// A ring for about capacity_hint connects in flight, or null with err set when io_uring or its
// IORING_OP_CONNECT / IORING_OP_LINK_TIMEOUT is missing (or the build has no liburing).
std::unique_ptr<ConnectRing> make_connect_ring(unsigned capacity_hint, int& err);

}  // namespace nbc::detail
