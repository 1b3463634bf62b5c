// --proxy URL and --proxy-env for check, wait, ping and scan (docs/proxies.md), and
// --proxy-concurrency for scan: registered on a subcommand and turned into ConnectOptions::proxy.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "nbconnect/nbconnect.hpp"

namespace nbc::cli {

struct ProxyCliOptions {
  std::string url;
  bool from_env = false;  // --proxy-env: all_proxy, else ALL_PROXY
};

// Adds --proxy and --proxy-env (they exclude each other).
void add_proxy_options(CLI::App& app, ProxyCliOptions& options);

// Parses the proxy (from --proxy or, with --proxy-env, the environment) and resolves its host
// name; throws UsageError naming the bad word (never the password). Nothing when none is asked.
std::optional<ProxyOptions> proxy_from(const ProxyCliOptions& options);

// --proxy-concurrency N (scan): sockets in flight through a proxy, default 64.
void add_proxy_concurrency_option(CLI::App& app, std::string& value);
unsigned proxy_concurrency(const std::string& value);

// A scan's window through a proxy: min(the window it would have, the proxy's limit), the limit
// when `window` is 0 (the default, from the descriptor limit). `c_word` is -c as the user wrote
// it ("" when not given): a -c above the limit is lowered, and one line on stderr says so.
std::size_t window_through_proxy(std::size_t window, unsigned limit, const std::string& c_word);

// For socks5h and a target given as a host name: the name goes to the proxy unresolved. Sets
// options.proxy->target_host and returns the placeholder endpoint (0.0.0.0:port) to connect
// "to"; nothing when the target must be resolved here as usual. The outcome's peer is cleared
// afterwards with forget_placeholder_peer().
std::optional<Endpoint> unresolved_proxy_target(const HostPort& target, ConnectOptions& options);
void forget_placeholder_peer(Outcome& outcome);

}  // namespace nbc::cli
