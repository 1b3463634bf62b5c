// nbconnect ping: placeholder until its issue lands.
#include <cstdio>
#include <memory>

#include "common.hpp"
#include "subcommands.hpp"

namespace nbc::cli {

Subcommand setup_ping(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("ping", "(not implemented yet)");
  sub->allow_extras();
  return {sub, [] {
            std::fprintf(stderr, "nbconnect: 'ping' is not implemented yet\n");
            return kExitInternal;
          }};
}

}  // namespace nbc::cli
