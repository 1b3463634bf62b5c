// Running the lab: the parent forks a measuring child, which moves into a private network
// namespace of its own, stages each chosen scenario there, measures it and sends its record back
// as one JSON line through a pipe; the parent collects the records as they come.
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "lab/probe.hpp"

namespace nbc::lab {
namespace {

std::string kernel_release() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release + " " + u.machine;
}

// In the child: stages and measures every chosen scenario, one record each, handed to `emit` as
// soon as it is complete.
void run_scenarios(const Config& config, const std::function<void(const Record&)>& emit) {
  // A writer that is killed by SIGPIPE must not take the lab with it; the lab's own calls use
  // MSG_NOSIGNAL, but the reader of our report pipe may go away too.
  ::signal(SIGPIPE, SIG_IGN);

  std::string namespace_error = sandbox::enter_private_netns();
  bool isolated = namespace_error.empty();
  sandbox::Firewall firewall(config.firewall);
  std::string kernel = kernel_release();

  for (const std::string& name : config.names) {
    const Scenario* sc = find_scenario(name);
    if (!sc) continue;
    Record rec;
    rec["scenario"] = std::string(sc->name);
    rec["title"] = std::string(sc->title);
    rec["needs"] = std::string(needs_name(sc->needs));
    rec["kernel"] = kernel;
    rec["isolation"] = isolated ? "netns" : "host-loopback";
    std::chrono::milliseconds wait = config.wait;
    rec["wait_ms"] = wait.count();
    rec["truth"] = {{"state", std::string(sc->truth_state)},
                    {"reason", std::string(sc->truth_reason)}};

    rec["family"] = std::string(family_name(sc->kind));
    auto started = Clock::now();
    if (sc->measure) {
      // UNIX and UDP: the scenario's own function stages and measures, with plain calls only.
      Record got =
          !isolated && sc->needs != Needs::loopback
              ? Record{{"skipped", "needs a private network namespace: " + namespace_error}}
              : sc->measure(*sc, firewall, wait);
      if (got.contains("skipped")) {
        rec["skipped"] = got["skipped"];
        emit(rec);
        continue;
      }
      rec["skipped"] = nullptr;
      for (auto& [key, value] : got.items()) rec[key] = value;
      if (sc->needs == Needs::firewall) rec["firewall"] = firewall.version();
      rec["elapsed_ms"] = std::round(micros(Clock::now() - started)) / 1000.0;
      emit(rec);
      continue;
    }
    Stage st;
    if (!isolated && sc->needs != Needs::loopback) {
      st.skip = "needs a private network namespace: " + namespace_error;
    } else {
      st = stage_scenario(*sc, firewall);
    }
    if (!st.skip.empty()) {
      restore(st);
      rec["skipped"] = st.skip;
      emit(rec);
      continue;
    }
    rec["skipped"] = nullptr;
    if (st.wait.count() > 0) wait = std::max(wait, st.wait);
    rec["wait_ms"] = wait.count();
    rec["setup"] = st.setup;
    rec["target"] =
        st.self_connect ? "127.0.0.1:P (P = its own source port)" : st.target.to_string();
    if (sc->needs == Needs::firewall) rec["firewall"] = firewall.version();
    Record steps = raw_steps(st, wait);
    rec["kernel_says"] = kernel_answer(steps);
    rec["steps"] = std::move(steps);
    rec["methods"] = library_matrix(*sc, st, wait);
    restore(st);
    rec["elapsed_ms"] = std::round(micros(Clock::now() - started)) / 1000.0;
    emit(rec);
  }
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

// In the child, first thing: the measuring processes must not outlive the lab, even when the lab
// is killed with SIGKILL and cannot clean up. The child leads a process group of its own (its
// writers and tools inherit it) and asks the kernel for SIGTERM when the parent dies; the handler
// kills the whole group at once. kill() is async-signal-safe.
void die_with_parent(pid_t parent) {
  ::setpgid(0, 0);
  struct sigaction sa {};
  sa.sa_handler = [](int) { ::kill(0, SIGKILL); };
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::kill(0, SIGKILL);  // the parent died before prctl took effect
}

std::string json_line(const Record& record) {
  return record.dump(-1, ' ', false, Record::error_handler_t::replace) + "\n";
}

// The child's whole life. A failure travels back as a line {"error": "..."} instead of a record.
[[noreturn]] void child_main(const Config& config, int out, pid_t parent) {
  die_with_parent(parent);
  int status = 0;
  try {
    run_scenarios(config, [out](const Record& record) { write_all(out, json_line(record)); });
  } catch (const std::exception& e) {
    write_all(out, json_line({{"error", e.what()}}));
    status = 1;
  }
  ::close(out);
  // _exit: the parent's buffered output and exit handlers belong to the parent.
  ::_exit(status);
}

}  // namespace

Measurement measure(const Config& config, const std::function<void(const Record&)>& on_record) {
  Measurement m;
  const pid_t parent = ::getpid();
  sandbox::PipedChild child = sandbox::fork_with_pipe();
  if (child.pid < 0) {
    m.error = child.error;
    return m;
  }
  if (child.pid == 0) child_main(config, child.fd, parent);

  // Read the records as they come; the child is bounded, but a hang must not hang us.
  auto deadline = Clock::now() + std::chrono::seconds(120);
  std::string buffer;
  bool killed = false;
  std::string child_error;
  char chunk[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ::kill(child.pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd pf{child.fd, POLLIN, 0};
    int n = ::poll(&pf, 1, static_cast<int>(left.count()) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = ::read(child.fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    buffer.append(chunk, static_cast<size_t>(got));
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      Record record = Record::parse(line, nullptr, false);
      if (record.is_discarded() || !record.is_object()) {
        m.warnings.push_back("unreadable record from the measuring process");
        continue;
      }
      if (!record.contains("scenario") && record.contains("error")) {
        child_error = record["error"].is_string() ? record["error"].get<std::string>() : "failed";
        continue;
      }
      on_record(record);
      m.records.push_back(std::move(record));
    }
  }
  ::close(child.fd);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (killed) {
    m.error = "the measuring process did not finish in 120 s";
  } else if (WIFSIGNALED(status)) {
    m.error = fmt::format("the measuring process died of signal {} ({})", WTERMSIG(status),
                          strsignal(WTERMSIG(status)));
  } else if (!child_error.empty()) {
    m.error = child_error;
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    m.error = fmt::format("the measuring process failed (exit status {})", WEXITSTATUS(status));
  } else if (m.records.size() != config.names.size()) {
    m.error = fmt::format("{} of {} scenarios reported", m.records.size(), config.names.size());
  }
  return m;
}

}  // namespace nbc::lab
