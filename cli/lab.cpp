// nbconnect lab: measures how this kernel answers the classic non-blocking connect questions
// (SPEC §5). The measuring runs in a forked child, which moves into a private network namespace
// of its own; it sends one JSON line per scenario back through a pipe, and this process prints
// them as they are (--json) or as the Markdown report.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "common.hpp"
#include "lab.hpp"
#include "output.hpp"
#include "subcommands.hpp"

namespace nbc::cli {
namespace {

struct LabOptions {
  bool json = false;
  bool list = false;
  std::vector<std::string> scenarios;
  std::string wait = "300ms";
  std::string firewall = "auto";
};

std::string scenario_names() {
  std::string names;
  for (const lab::Scenario& sc : lab::scenarios()) {
    if (!names.empty()) names += ", ";
    names += sc.name;
  }
  return names;
}

lab::Config make_config(const LabOptions& o) {
  lab::Config config;
  for (const std::string& name : o.scenarios) {
    if (!lab::find_scenario(name)) {
      throw UsageError("unknown scenario '" + name + "': use " + scenario_names());
    }
  }
  // Report order is the table's order, whatever order the names were given in.
  for (const lab::Scenario& sc : lab::scenarios()) {
    bool chosen = o.scenarios.empty();
    for (const std::string& name : o.scenarios) chosen |= name == sc.name;
    if (chosen) config.names.emplace_back(sc.name);
  }
  auto wait = duration_option("--wait", o.wait);
  if (wait > std::chrono::seconds(5)) {
    throw UsageError("invalid wait '" + o.wait + "': at most 5s, so that the lab stays quick");
  }
  config.wait = std::chrono::duration_cast<std::chrono::milliseconds>(wait);
  if (config.wait.count() < 1) config.wait = std::chrono::milliseconds(1);
  if (o.firewall != "auto" && o.firewall != "iptables" && o.firewall != "nft") {
    throw UsageError("invalid firewall '" + o.firewall + "': use auto, iptables or nft");
  }
  config.firewall = o.firewall;
  return config;
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

[[noreturn]] void child_main(const lab::Config& config, int out) {
  int status = 0;
  try {
    lab::run_scenarios(config, [out](const lab::Record& record) {
      write_all(out, record.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                         "\n");
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nbconnect: lab: %s\n", e.what());
    status = kExitInternal;
  }
  ::close(out);
  // _exit: the parent's buffered output and exit handlers belong to the parent.
  std::fflush(stderr);
  ::_exit(status);
}

int run_lab(const LabOptions& o) {
  lab::Config config = make_config(o);
  if (o.list) {
    for (const lab::Scenario& sc : lab::scenarios()) fmt::print("{:24} {}\n", sc.name, sc.title);
    return 0;
  }

  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "nbconnect: lab: pipe: %s\n", std::strerror(errno));
    return kExitInternal;
  }
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    std::fprintf(stderr, "nbconnect: lab: fork: %s\n", std::strerror(errno));
    return kExitInternal;
  }
  if (pid == 0) {
    ::close(p[0]);
    child_main(config, p[1]);
  }
  ::close(p[1]);

  // Read the records as they come; the child is bounded, but a hang must not hang us.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::string buffer;
  std::vector<lab::Record> records;
  bool killed = false;
  char chunk[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd pf{p[0], POLLIN, 0};
    int n = ::poll(&pf, 1, static_cast<int>(left.count()) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = ::read(p[0], chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    buffer.append(chunk, static_cast<size_t>(got));
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      lab::Record record = lab::Record::parse(line, nullptr, false);
      if (record.is_discarded()) {
        std::fprintf(stderr, "nbconnect: lab: unreadable record from the measuring process\n");
        continue;
      }
      if (o.json) {
        print_json_line(record);
        std::fflush(stdout);
      }
      records.push_back(std::move(record));
    }
  }
  ::close(p[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (killed) {
    std::fprintf(stderr, "nbconnect: lab: the measuring process did not finish in 120 s\n");
    return kExitInternal;
  }
  if (WIFSIGNALED(status)) {
    std::fprintf(stderr, "nbconnect: lab: the measuring process died of signal %d (%s)\n",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    return kExitInternal;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return kExitInternal;
  if (records.size() != config.names.size()) {
    std::fprintf(stderr, "nbconnect: lab: %zu of %zu scenarios reported\n", records.size(),
                 config.names.size());
    return kExitInternal;
  }
  if (!o.json) {
    std::string text = lab::render_markdown(records);
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return 0;
}

}  // namespace

Subcommand setup_lab(CLI::App& app) {
  auto options = std::make_shared<LabOptions>();
  CLI::App* sub = app.add_subcommand(
      "lab", "Measure how this kernel answers non-blocking connects (the behaviour matrix)");
  sub->add_flag("--json", options->json, "One JSON record per scenario on stdout");
  sub->add_option("--scenario", options->scenarios, "Run only these scenarios (see --list)")
      ->type_name("NAME")
      ->expected(1, -1);
  sub->add_flag("--list", options->list, "List the scenarios and exit");
  sub->add_option("--wait", options->wait,
                  "How long a connect with no answer is waited for (default 300ms)")
      ->type_name("DUR");
  sub->add_option("--firewall", options->firewall,
                  "Tool for the firewall rules: auto (iptables, else nft), iptables, nft")
      ->type_name("TOOL");
  return {sub, [options] { return run_lab(*options); }};
}

}  // namespace nbc::cli
