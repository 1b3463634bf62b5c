// Runs 1,000 nbconnect connects at once inside an asio::io_context, through the adapter in
// asio_reactor.hpp: half to two loopback listeners that the same io_context accepts on, half to
// two ports nothing listens on. Then checks each outcome against nbc::connect on the same
// endpoint. Exits 0 when all completed and match. ctest runs it as example_asio_1000_connects.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include <asio.hpp>

#include "asio_reactor.hpp"
#include "loopback_check.hpp"
#include "nbconnect/connector.hpp"

using asio::ip::tcp;

// Accepts and drops each connection: the backlog never overflows.
void accept_all(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](std::error_code ec, tcp::socket) {
    if (ec != asio::error::operation_aborted) accept_all(acceptor);
  });
}

int main() {
  loopback::raise_descriptor_limit();
  asio::io_context io;
  AsioReactor reactor(io);

  // Listening with asio's default backlog, SOMAXCONN (4,096), on ephemeral ports.
  const tcp::endpoint any_port(asio::ip::address_v4::loopback(), 0);
  tcp::acceptor listeners[2] = {{io, any_port}, {io, any_port}};
  for (auto& listener : listeners) accept_all(listener);
  const std::uint16_t ports[2] = {listeners[0].local_endpoint().port(),
                                  listeners[1].local_endpoint().port()};
  const std::vector<nbc::Endpoint> targets = loopback::targets(ports);

  std::vector<std::optional<nbc::Outcome>> outcomes(targets.size());
  std::size_t pending = targets.size();
  asio::steady_timer watchdog(io, std::chrono::seconds(20));
  watchdog.async_wait([&](std::error_code ec) {
    if (ec) return;
    std::fprintf(stderr, "asio: watchdog: %zu connects still pending after 20 s\n", pending);
    io.stop();
  });

  auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<nbc::Connector>> connectors;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    connectors.push_back(std::make_unique<nbc::Connector>(reactor));
    connectors.back()->start(targets[i], loopback::options(), [&, i](nbc::Outcome outcome) {
      outcomes[i] = std::move(outcome);
      if (--pending == 0) io.stop();  // the listeners keep listening for the check
    });
  }
  io.run();  // until the last callback or the watchdog stops it
  auto elapsed = std::chrono::steady_clock::now() - start;
  connectors.clear();  // cancels those the watchdog left running
  return loopback::report("asio", targets, outcomes, elapsed);
}
