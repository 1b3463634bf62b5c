// The proxy options of the command line (docs/proxies.md): --proxy URL, --proxy-env (the
// environment is read only when asked: all_proxy first, as curl does, then ALL_PROXY), and the
// socks5h rule that the CLI does not resolve the target's name.
#include "proxy_options.hpp"

#include <cstdlib>

#include "common.hpp"
#include "output.hpp"

namespace nbc::cli {

void add_proxy_options(CLI::App& app, ProxyCliOptions& o) {
  auto* url = app.add_option("--proxy", o.url,
                             "Connect through this proxy: socks5://[USER:PASS@]HOST:PORT, "
                             "socks5h://... (the proxy resolves the target's name) or "
                             "http://... (HTTP CONNECT)")
                  ->type_name("URL");
  auto* env = app.add_flag("--proxy-env", o.from_env,
                           "Use the proxy named by $all_proxy or $ALL_PROXY (read only with this "
                           "flag)");
  url->excludes(env);
}

namespace {

// The proxy's address: the literal, or the first address its name resolves to (IPv6 first, as
// the dialer orders them). Resolved with our own resolver (c-ares: /etc/hosts, then the servers of
// /etc/resolv.conf), not getaddrinfo: the static binary in a FROM scratch image has no NSS.
Endpoint resolve_proxy(const ProxyOptions& proxy) {
  if (!proxy.endpoint.empty()) return proxy.endpoint;
  DialOptions options;
  options.deadline = std::chrono::seconds(5);
  Resolution r = resolve(HostPort{proxy.server.host, proxy.server.port, std::nullopt}, options);
  if (!r.ok()) {
    throw UsageError("cannot resolve proxy host " + quote(proxy.server.host) + ": " +
                     r.failure.reason_name() +
                     (r.failure.detail.empty() ? "" : " (" + r.failure.detail + ")"));
  }
  Endpoint ep = r.addresses.front();
  ep.set_port(proxy.server.port);
  return ep;
}

}  // namespace

std::optional<ProxyOptions> proxy_from(const ProxyCliOptions& o) {
  std::string url = o.url;
  const char* origin = "--proxy";
  if (o.from_env) {
    const char* lower = std::getenv("all_proxy");
    const char* upper = std::getenv("ALL_PROXY");
    origin = lower && *lower ? "all_proxy" : "ALL_PROXY";
    const char* value = lower && *lower ? lower : upper;
    if (!value || !*value) {
      throw UsageError("--proxy-env: neither all_proxy nor ALL_PROXY is set");
    }
    url = value;
  }
  if (url.empty()) return std::nullopt;
  auto proxy = parse_proxy_url(url);
  if (!proxy) throw UsageError(std::string(origin) + ": " + proxy.error().message);
  proxy->endpoint = resolve_proxy(*proxy);
  return std::move(*proxy);
}

void add_proxy_concurrency_option(CLI::App& app, std::string& value) {
  app.add_option("--proxy-concurrency", value,
                 "Most sockets in flight through a --proxy (default 64), so that the proxy is not "
                 "flooded: the scan keeps min(-c, N), and says so when it lowers -c")
      ->type_name("N");
}

unsigned proxy_concurrency(const std::string& value) {
  if (value.empty()) return 64;
  return static_cast<unsigned>(number_option("--proxy-concurrency", value, 1, 100000));
}

std::size_t window_through_proxy(std::size_t window, unsigned limit, const std::string& c_word) {
  if (window != 0 && window <= limit) return window;
  if (window != 0 && !c_word.empty()) {
    print_err("nbconnect: -c {} lowered to {} through the proxy (--proxy-concurrency)\n", window,
              limit);
  }
  return limit;
}

std::optional<Endpoint> unresolved_proxy_target(const HostPort& target, ConnectOptions& options) {
  if (!options.proxy || options.proxy->scheme != ProxyScheme::socks5h || target.literal) {
    return std::nullopt;
  }
  options.proxy->target_host = target.host;
  auto placeholder = parse_ipv4("0.0.0.0", target.port);
  return *placeholder;
}

void forget_placeholder_peer(Outcome& outcome) {
  outcome.peer = Endpoint{};
}

}  // namespace nbc::cli
