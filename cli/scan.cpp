// nbconnect scan: placeholder until its issue lands.
#include <cstdio>
#include <memory>

#include "common.hpp"
#include "subcommands.hpp"

namespace nbc::cli {

Subcommand setup_scan(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("scan", "(not implemented yet)");
  sub->allow_extras();
  return {sub, [] {
            std::fprintf(stderr, "nbconnect: 'scan' is not implemented yet\n");
            return kExitInternal;
          }};
}

}  // namespace nbc::cli
