// nbc::Connector: the attempt driver behind a public, allocation-stable handle.
#include "nbconnect/connector.hpp"

#include "driver.hpp"

namespace nbc {

struct Connector::Impl final : detail::Driver::Listener {
  explicit Impl(Reactor& reactor) : driver(reactor, *this) {}

  void on_attempt_done(detail::Driver&, Outcome& outcome) override {
    // The callback may destroy the Connector (and so this Impl): move it out first.
    Callback done = std::move(callback);
    callback = nullptr;
    done(std::move(outcome));
  }

  Endpoint target;
  ConnectOptions options;
  Callback callback;
  detail::Driver driver;  // last: it goes first, before what it refers to
};

Connector::Connector(Reactor& reactor) : impl_(std::make_unique<Impl>(reactor)) {}

Connector::~Connector() = default;

void Connector::start(const Endpoint& target, ConnectOptions options, Callback done) {
  impl_->driver.cancel();
  impl_->target = target;
  impl_->options = std::move(options);
  impl_->callback = std::move(done);
  impl_->driver.start(impl_->target, impl_->options);
}

void Connector::cancel() {
  impl_->driver.cancel();
  impl_->callback = nullptr;
}

bool Connector::active() const {
  return impl_->driver.active();
}

}  // namespace nbc
