// Host names on the command line: the --dns-server option and dial options from the shared ones.
// (A dial's JSON record is record_writer.hpp's.)
#pragma once

#include <string>
#include <vector>

#include "common.hpp"
#include "nbconnect/dialer.hpp"

namespace nbc::cli {

// Adds --dns-server ADDR[:PORT] (repeatable, or comma-separated).
void add_dns_option(CLI::App& app, std::vector<std::string>& servers);

// Dial options: -4/-6 as the family, the DNS servers checked (UsageError names a bad one).
DialOptions to_dial_options(const CommonOptions& common, const ConnectOptions& connect,
                            const std::vector<std::string>& dns_servers);

}  // namespace nbc::cli
