// nbconnect: non-blocking TCP connects done right. Errors map to exit codes here only
// (docs/outcomes.md): 64 usage, 4 a local shortage, 74 stdout failed, 70 anything else.
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <malloc.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "check_options.hpp"
#include "command_line.hpp"
#include "common.hpp"
#include "output.hpp"
#include "subcommands.hpp"
#include "version.hpp"

namespace {

// Descriptors 0, 1 and 2 that the parent left closed are opened on /dev/null before anything
// else: otherwise the first socket would become one of them, and a -v trace written to "stderr"
// would go to the service being probed.
void open_standard_descriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) ::close(opened);  // only when a lower one was open already
  }
}

// Help and version text: CLI11 writes them to std::cout, which shares stdout's buffer (synced
// with stdio), so finish_stdout() sees a failure to write them too.
int after_cli11_output(int code) {
  std::cout.flush();
  return code;
}

int usage_error(const std::string& message) {
  nbc::cli::print_err("nbconnect: {}\n", message);
  return nbc::cli::kExitUsage;
}

// Runs the subcommand that was parsed; an exception becomes its exit code.
int run_parsed(std::vector<nbc::cli::Subcommand>& subcommands) {
  try {
    for (auto& sub : subcommands) {
      if (sub.app->parsed()) return sub.run();
    }
    return usage_error("no command given");
  } catch (const nbc::cli::UsageError& e) {
    return usage_error(e.what());
  } catch (const std::bad_alloc&) {
    nbc::cli::print_err("nbconnect: out of memory (local-resources)\n");
    return nbc::cli::kExitLocal;
  } catch (const std::system_error& e) {
    // This machine ran short (descriptors, memory, buffers): the outcome local-resources, as
    // for one connect, never an internal error.
    if (e.code().category() == std::generic_category() ||
        e.code().category() == std::system_category()) {
      if (nbc::is_local_error(e.code().value())) {
        nbc::cli::print_err("nbconnect: {} (local-resources)\n", e.what());
        return nbc::cli::kExitLocal;
      }
    }
    nbc::cli::print_err("nbconnect: internal error: {}\n", e.what());
    return nbc::cli::kExitInternal;
  } catch (const std::exception& e) {
    nbc::cli::print_err("nbconnect: internal error: {}\n", e.what());
    return nbc::cli::kExitInternal;
  }
}

}  // namespace

int main(int argc, char** argv) {
  open_standard_descriptors();

  // Under an address-space limit (ulimit -v), glibc's arena per thread (64 MB of address space
  // each) cannot be made, and a thread left without one maps every allocation on its own: a scan
  // ran 80x slower. One arena then: the scan threads allocate little, and measured no slower.
  // A process-wide setting, so the program makes it, never the library.
  if (rlimit as{}; std::getenv("MALLOC_ARENA_MAX") == nullptr && getrlimit(RLIMIT_AS, &as) == 0 &&
                   as.rlim_cur != RLIM_INFINITY) {
    mallopt(M_ARENA_MAX, 1);
  }

  CLI::App app{"nbconnect: non-blocking TCP connects done right, one or hundreds of thousands",
               "nbconnect"};
  app.set_version_flag("--version", nbc::cli::version_text,
                       "Print the version, the git revision and the features, and exit");
  app.footer(
      "Exit codes: check 0 open, 1 closed, 2 no response, 3 unreachable, 4 local error, "
      "5 unresolved; ping 0 if any probe connected, else 1; scan 0, or 128+N when signal N "
      "interrupted it; wait 0, 124 timed out, 126/127 the command could not run; all: 4 this "
      "machine ran short, 64 bad usage, 70 internal error, 74 writing stdout failed "
      "(docs/outcomes.md).");
  app.require_subcommand(1, 1);

  std::vector<nbc::cli::Subcommand> subcommands;
  subcommands.push_back(nbc::cli::setup_check(app));
  subcommands.push_back(nbc::cli::setup_scan(app));
  subcommands.push_back(nbc::cli::setup_merge(app));
  subcommands.push_back(nbc::cli::setup_wait(app));
  subcommands.push_back(nbc::cli::setup_ping(app));
  subcommands.push_back(nbc::cli::setup_lab(app));
  subcommands.push_back(nbc::cli::setup_completion(app, subcommands));

  // Options before the subcommand name move after it; `nbconnect HOST PORT` gets its `check`.
  std::vector<char*> args(argv, argv + argc);
  nbc::cli::normalize_command_line(app, subcommands, args);

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

  // `--http 127.0.0.1 8080`: a word that is not a path stays a target (check_options.hpp).
  nbc::cli::leave_http_path_optional(args);

  int code;
  try {
    app.parse(static_cast<int>(args.size()), args.data());
    code = run_parsed(subcommands);
  } catch (const CLI::CallForHelp& e) {
    code = after_cli11_output(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    code = after_cli11_output(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    code = after_cli11_output(app.exit(e));
  } catch (const CLI::ParseError& e) {
    if (argc < 2) {
      nbc::cli::print_err(app.help());
      return nbc::cli::kExitUsage;
    }
    return usage_error(e.what());
  }
  // Output that could not be written is an error of its own, whatever the outcome was.
  return nbc::cli::finish_stdout(code);
}
