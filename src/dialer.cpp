// The Dialer: any number of dials and resolutions (dial.hpp) on one Reactor — its own
// EventLoop, or the caller's.
#include "nbconnect/dialer.hpp"

#include <map>
#include <stdexcept>
#include <system_error>

#include "dial.hpp"
#include "nbconnect/event_loop.hpp"

namespace nbc {

struct Dialer::Impl {
  std::unique_ptr<EventLoop> own;  // when the Dialer made its loop itself
  Reactor* reactor = nullptr;
  std::map<Id, std::unique_ptr<detail::Dial>> dials;
  Id next_id = 1;

  // Makes a dial whose result goes to `deliver`, after it has left the table.
  template <typename Deliver>
  std::pair<Id, detail::Dial*> make(const DialOptions& options, detail::Dial::Mode mode,
                                    Deliver deliver) {
    Id id = next_id++;
    auto finished = [this, id, deliver = std::move(deliver)](detail::Dial&) {
      auto node = dials.extract(id);
      if (node.empty()) return;
      // The callback may start or cancel other dials; this one is out of the table already.
      deliver(*node.mapped());
    };
    auto d = std::make_unique<detail::Dial>(*reactor, options, mode, std::move(finished));
    detail::Dial* raw = d.get();
    dials.emplace(id, std::move(d));
    return {id, raw};
  }
};

Dialer::Dialer(Backend backend) : impl_(std::make_unique<Impl>()) {
  EventLoopOptions options;
  options.backend = backend;
  impl_->own = std::make_unique<EventLoop>(options);
  if (int r = impl_->own->open(); r < 0) {
    throw std::system_error(
        -r, std::generic_category(),
        std::string("cannot create the ") + std::string(to_string(backend)) + " poller");
  }
  impl_->reactor = impl_->own.get();
}

Dialer::Dialer(Reactor& reactor) : impl_(std::make_unique<Impl>()) {
  impl_->reactor = &reactor;
}

Dialer::~Dialer() {
  // Dials go before the loop they are registered with.
  impl_->dials.clear();
}

namespace {

// A literal is dialled as it is; a name is resolved first.
void start(detail::Dial& d, const HostPort& target) {
  if (target.literal) {
    d.start_with_addresses({*target.literal}, target.port);
  } else {
    d.start_with_name(target.host, target.port);
  }
}

}  // namespace

Dialer::Id Dialer::dial(const HostPort& target, const DialOptions& options, DialCallback done) {
  auto [id, d] =
      impl_->make(options, detail::Dial::Mode::dial, [done = std::move(done)](detail::Dial& dial) {
        if (done) done(dial.take_result());
      });
  start(*d, target);
  return id;
}

Dialer::Id Dialer::dial(std::vector<Endpoint> addresses, const DialOptions& options,
                        DialCallback done) {
  auto [id, d] =
      impl_->make(options, detail::Dial::Mode::dial, [done = std::move(done)](detail::Dial& dial) {
        if (done) done(dial.take_result());
      });
  d->start_with_addresses(std::move(addresses), 0);
  return id;
}

Dialer::Id Dialer::resolve(const HostPort& target, const DialOptions& options,
                           ResolveCallback done) {
  auto [id, d] = impl_->make(options, detail::Dial::Mode::resolve,
                             [done = std::move(done)](detail::Dial& dial) {
                               if (done) done(dial.take_resolution());
                             });
  start(*d, target);
  return id;
}

void Dialer::cancel(Id id) {
  impl_->dials.erase(id);
}

std::size_t Dialer::pending() const {
  return impl_->dials.size();
}

bool Dialer::run_once(std::chrono::nanoseconds limit) {
  if (!impl_->own) throw std::logic_error("Dialer::run_once: the dialer runs on the caller's loop");
  return impl_->own->run_once(limit);
}

void Dialer::run() {
  // Every dial has a bounded life (per-attempt timeouts, DNS tries), so this ends.
  while (pending() > 0) run_once(std::chrono::nanoseconds(-1));
}

DialResult dial(const HostPort& target, const DialOptions& options) {
  Dialer dialer(options.connect.backend);
  DialResult result;
  dialer.dial(target, options, [&result](DialResult r) { result = std::move(r); });
  dialer.run();
  return result;
}

Resolution resolve(const HostPort& target, const DialOptions& options) {
  Dialer dialer(options.connect.backend);
  Resolution result;
  dialer.resolve(target, options, [&result](Resolution r) { result = std::move(r); });
  dialer.run();
  return result;
}

Parsed<std::string> parse_dns_server(std::string_view text) {
  auto bad = [&](std::string why) {
    return std::unexpected(
        ParseError{std::string(text), "invalid DNS server " + quote(text) + ": " + why});
  };
  if (text.empty()) return bad("empty");
  std::string word(text);
  bool bracketed = word.front() == '[';
  bool one_colon = word.find(':') != std::string::npos && word.find(':') == word.rfind(':');
  if (bracketed || one_colon) {
    if (bracketed && word.back() == ']') {
      auto ep = parse_ipv6(word.substr(1, word.size() - 2));
      if (!ep) return bad("not an IP address");
      return "[" + ep->address() + "]:53";
    }
    auto hp = parse_host_port(word);
    if (!hp) return bad(hp.error().message);
    if (!hp->literal || hp->literal->family() == Family::unix_domain) {
      return bad("not an IP address");
    }
    return hp->literal->family() == Family::ipv6
               ? "[" + hp->literal->address() + "]:" + std::to_string(hp->port)
               : hp->literal->address() + ":" + std::to_string(hp->port);
  }
  auto ep = parse_ip(word);
  if (!ep) return bad("not an IP address");
  return ep->family() == Family::ipv6 ? "[" + ep->address() + "]:53" : ep->address() + ":53";
}

}  // namespace nbc
