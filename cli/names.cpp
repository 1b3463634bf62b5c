// Host names on the command line (names.hpp).
#include "names.hpp"

namespace nbc::cli {

void add_dns_option(CLI::App& app, std::vector<std::string>& servers) {
  app.add_option("--dns-server", servers,
                 "Ask this DNS server (ADDR, ADDR:PORT or [V6]:PORT; default: /etc/resolv.conf)")
      ->type_name("ADDR[:PORT]")
      ->delimiter(',')
      ->allow_extra_args(false)  // one word per --dns-server: the target that follows is not one
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

DialOptions to_dial_options(const CommonOptions& common, const ConnectOptions& connect,
                            const std::vector<std::string>& dns_servers) {
  DialOptions d;
  d.connect = connect;
  d.family = common.ipv4 ? Family::ipv4 : common.ipv6 ? Family::ipv6 : Family::unspec;
  for (const std::string& word : dns_servers) {
    auto server = parse_dns_server(word);
    if (!server) throw UsageError(server.error().message);
    d.dns_servers.push_back(*server);
  }
  return d;
}

}  // namespace nbc::cli
