// nbconnect: non-blocking TCP connects done right. Parse errors map to exit codes here only.
#include <fmt/format.h>
#include <malloc.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "subcommands.hpp"

namespace {

bool is_subcommand_name(const char* word) {
  for (const char* name : {"check", "scan", "wait", "ping", "lab"}) {
    if (std::strcmp(word, name) == 0) return true;
  }
  return false;
}

bool asks_top_level(const char* word) {
  return std::strcmp(word, "-h") == 0 || std::strcmp(word, "--help") == 0 ||
         std::strcmp(word, "--version") == 0;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "nbconnect: %s\n", message.c_str());
  return nbc::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // Under an address-space limit (ulimit -v), glibc's arena per thread (64 MB of address space
  // each) cannot be made, and a thread left without one maps every allocation on its own: a scan
  // ran 80x slower. One arena then: the scan threads allocate little, and measured no slower.
  // A process-wide setting, so the program makes it, never the library.
  if (rlimit as{}; std::getenv("MALLOC_ARENA_MAX") == nullptr && getrlimit(RLIMIT_AS, &as) == 0 &&
                   as.rlim_cur != RLIM_INFINITY) {
    mallopt(M_ARENA_MAX, 1);
  }

  // `nbconnect HOST PORT` is `nbconnect check HOST PORT`.
  std::vector<char*> args(argv, argv + argc);
  static char check_word[] = "check";
  if (argc >= 2 && !is_subcommand_name(argv[1]) && !asks_top_level(argv[1])) {
    args.insert(args.begin() + 1, check_word);
  }
  // `nbconnect -h scan` asks for scan's help, as `nbconnect scan -h` does.
  if (argc >= 3 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0) &&
      is_subcommand_name(argv[2])) {
    std::swap(args[1], args[2]);
  }

  // `wait TARGET... -- COMMAND ARGS...`: the command is kept out of the parse (wait.cpp).
  if (args.size() >= 2 && std::strcmp(args[1], "wait") == 0) {
    for (std::size_t i = 2; i < args.size(); ++i) {
      if (std::strcmp(args[i], "--") != 0) continue;
      auto command_start = args.begin() + static_cast<std::ptrdiff_t>(i) + 1;
      nbc::cli::wait_command().assign(command_start, args.end());
      args.resize(i);
      break;
    }
  }

  CLI::App app{"nbconnect: non-blocking TCP connects done right, one or hundreds of thousands",
               "nbconnect"};
  app.set_version_flag("--version", "nbconnect 0.1.0");
  app.require_subcommand(1, 1);

  std::vector<nbc::cli::Subcommand> subcommands;
  subcommands.push_back(nbc::cli::setup_check(app));
  subcommands.push_back(nbc::cli::setup_scan(app));
  subcommands.push_back(nbc::cli::setup_wait(app));
  subcommands.push_back(nbc::cli::setup_ping(app));
  subcommands.push_back(nbc::cli::setup_lab(app));

  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (argc < 2) {
      std::fputs(app.help().c_str(), stderr);
      return nbc::cli::kExitUsage;
    }
    return usage_error(e.what());
  }

  try {
    for (auto& sub : subcommands) {
      if (sub.app->parsed()) return sub.run();
    }
    return usage_error("no command given");
  } catch (const nbc::cli::UsageError& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nbconnect: internal error: %s\n", e.what());
    return nbc::cli::kExitInternal;
  }
}
