// Host names on the command line: the --dns-server option, dial options from the shared ones,
// and how a dial's result is shown (each address tried, in text and JSON).
#pragma once

#include <nlohmann/json.hpp>

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

// outcome_json() plus, for a dial that tried more than one address, "tried": one object per
// address with what happened to it.
nlohmann::ordered_json dial_json(const DialResult& result, std::string_view target);

}  // namespace nbc::cli
