// Runs 1,000 nbconnect connects at once inside a libuv loop, through the adapter in
// libuv_reactor.hpp: half to two loopback listeners that the same loop accepts on, half to two
// ports nothing listens on. Then checks each outcome against nbc::connect on the same endpoint.
// Exits 0 when all completed and match. ctest runs it as example_libuv_1000_connects.
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "libuv_reactor.hpp"
#include "loopback_check.hpp"
#include "nbconnect/connector.hpp"

// Accepts and drops each connection: the backlog never overflows.
void on_connection(uv_stream_t* server, int status) {
  if (status < 0) return;
  auto* client = new uv_tcp_t;
  uv_tcp_init(server->loop, client);
  uv_accept(server, reinterpret_cast<uv_stream_t*>(client));
  uv_close(reinterpret_cast<uv_handle_t*>(client),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); });
}

// Listens on an ephemeral loopback port with a backlog of 1,024; returns the port.
std::uint16_t listen_loopback(uv_loop_t* loop, uv_tcp_t* listener) {
  sockaddr_in address{};
  uv_ip4_addr("127.0.0.1", 0, &address);
  uv_tcp_init(loop, listener);
  uv_tcp_bind(listener, reinterpret_cast<const sockaddr*>(&address), 0);
  if (uv_listen(reinterpret_cast<uv_stream_t*>(listener), 1024, on_connection) < 0) return 0;
  int length = sizeof address;
  uv_tcp_getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

int main() {
  loopback::raise_descriptor_limit();
  uv_loop_t loop;
  uv_loop_init(&loop);
  auto reactor = std::make_unique<LibuvReactor>(&loop);

  uv_tcp_t listeners[2];
  const std::uint16_t ports[2] = {listen_loopback(&loop, &listeners[0]),
                                  listen_loopback(&loop, &listeners[1])};
  const std::vector<nbc::Endpoint> targets = loopback::targets(ports);

  std::vector<std::optional<nbc::Outcome>> outcomes(targets.size());
  std::size_t pending = targets.size();
  uv_timer_t watchdog;
  uv_timer_init(&loop, &watchdog);
  watchdog.data = &pending;
  uv_timer_start(
      &watchdog,
      [](uv_timer_t* timer) {
        std::fprintf(stderr, "libuv: watchdog: %zu connects still pending after 20 s\n",
                     *static_cast<std::size_t*>(timer->data));
        uv_stop(timer->loop);
      },
      20'000, 0);

  auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<nbc::Connector>> connectors;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    connectors.push_back(std::make_unique<nbc::Connector>(*reactor));
    connectors.back()->start(targets[i], loopback::options(), [&, i](nbc::Outcome outcome) {
      outcomes[i] = std::move(outcome);
      if (--pending == 0) uv_stop(&loop);  // the listeners keep listening for the check
    });
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  auto elapsed = std::chrono::steady_clock::now() - start;
  int status = loopback::report("libuv", targets, outcomes, elapsed);

  // Close everything, then turn the loop once more so that every close callback runs.
  connectors.clear();  // cancels those the watchdog left running
  reactor.reset();
  for (auto& listener : listeners) uv_close(reinterpret_cast<uv_handle_t*>(&listener), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&watchdog), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) std::fprintf(stderr, "libuv: handles left open\n");
  return status;
}
