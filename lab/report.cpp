// The lab's Markdown report: the step tables, the method and poller tables, what was skipped, and
// the recipe that follows from the measurements. docs/behaviour-linux.md is this output.
#include <fmt/format.h>

#include <map>
#include <set>

#include "lab/markdown.hpp"
#include "lab/probe.hpp"

namespace nbc::lab {
namespace {

// One step as a table cell: the return value, the errno name of a -1, the signal that killed.
std::string step_cell(std::string_view key, const Record& step) {
  if (step.is_null()) return "—";
  if (step.contains("signal") && step["signal"].is_string()) {
    return "killed by " + step["signal"].get<std::string>();
  }
  if (step.contains("error")) return "n/a";
  if (!step.value("reached", true)) return "—";
  if (key == "poll") {
    std::string events = str(step, "events");
    return events.empty() ? "none (timeout)" : escape(events);
  }
  const Record& ret = step.value("ret", Record(nullptr));
  if (!ret.is_number()) return "—";
  long r = ret.get<long>();
  if (r < 0) return str(step, "errno", "-1");
  if (key == "so-error") {
    const Record& v = step.value("value", Record(0));
    return v.is_string() ? v.get<std::string>() : "0";
  }
  if (key == "read-1" && r == 0) return "0 (EOF)";
  if (key == "getpeername" && r == 0 && str(step, "peer") == str(step, "local")) {
    return "0 (itself)";
  }
  return std::to_string(r);
}

const Record& step_of(const Record& rec, std::string_view key) {
  static const Record none;
  auto steps = rec.find("steps");
  if (steps == rec.end()) return none;
  auto it = steps->find(key);
  return it == steps->end() ? none : *it;
}

std::string truth_text(const Record& rec) {
  const Record& t = rec.value("truth", Record::object());
  if (str(t, "state").empty()) return "— (a measurement)";
  return escape(str(t, "state") + " " + str(t, "reason"));
}

std::string outcome_cell(const Record& m) {
  if (!m.value("available", false)) return "n/a";
  std::string got = str(m, "state") + " " + str(m, "reason");
  return m.value("correct", false) ? "✓" : "✗ " + got;
}

const Record* method_result(const Record& rec, std::string_view method, std::string_view backend) {
  auto methods = rec.find("methods");
  if (methods == rec.end()) return nullptr;
  for (const Record& m : *methods) {
    if (str(m, "method") == method && str(m, "backend") == backend) return &m;
  }
  return nullptr;
}

constexpr const char* kRecipe = R"(## What a program must do

This is the recipe that nbconnect's library follows. Each rule is read off the tables above.

1. **Take connect()'s own answer first.** `EINPROGRESS` means "wait"; any other errno is the
   final answer, given at once (here: no route → `ENETUNREACH`, a `prohibit` route → `EACCES`,
   an `unreachable` route → `EHOSTUNREACH`, a `blackhole` route → `EINVAL`). Such a socket still
   polls writable (`OUT|HUP`) and its `SO_ERROR` is 0, so a program that ignores the return
   value, waits and then reads `SO_ERROR` takes the failure for a success. `EINTR` means the
   connect goes on: wait for it like `EINPROGRESS`, never call connect() again to "resume" it.
2. **Writable does not mean connected.** A refused connect polls as `IN|OUT|ERR|HUP`. Once the
   poller reports the socket, ask the kernel exactly once:
   - `getsockopt(SO_ERROR)` gives 0 or the errno, and clears it. nbconnect confirms a 0 with
     `getpeername()`, because a wake-up can come before the handshake has ended.
   - `getpeername()` fails with `ENOTCONN` when the connect failed; `read(fd, &c, 1)` then
     yields the errno.
   - `connect()` again says 0 (the first time) or `EISCONN` when connected, `EALREADY` while
     pending, else the errno. It must be the first call: after `SO_ERROR` was read it says
     `ECONNABORTED`, and on a refused socket the *third* connect() starts a new handshake
     (`EINPROGRESS`).
   - `read(fd, &c, 0)` returns 0 whatever happened: it cannot tell refused from connected.
3. **An ICMP error on loopback is a soft error.** The ICMP answer to the SYN arrives while
   connect() itself still holds the socket, so Linux keeps it aside: `SO_ERROR` reports it and
   poll() shows `ERR`, yet the handshake goes on (2nd connect(): `EALREADY`, read():
   `EAGAIN`) until the SYN retransmitted after about 1 s meets the next ICMP. Methods that look
   only at the connection state (getpeername, reconnect) wait that out and here end at the
   deadline; `SO_ERROR` tells at once. IPv6 does not even keep it: an ICMPv6 error that finds
   the socket held is dropped (the kernel counts it as `LockDroppedIcmps`), so nothing at all
   is learnt before the retransmission. An ICMP that finds the socket free, as one from across
   a network does, ends the connect: see `icmp-after-retransmit` and `icmp-admin-prohibited-v6`,
   where every call then agrees. Unless the program holds the socket at that instant:
   getpeername() and connect() take the socket's lock, so a program that polls with them while
   `ERR` stands can turn that ICMP too into a soft error, and learns the answer only at the next
   retransmission (in a scan of 3,000 such ports with either method, 0 to 739 ended a second
   later, depending on the load). `SO_ERROR` takes no lock and is never delayed. Note too that
   Linux reports ICMPv6 admin-prohibited as `EACCES` but ICMP (IPv4) admin-prohibited as
   `EHOSTUNREACH`.
4. **No answer is an answer.** A dropped SYN gives no event at all; only the deadline ends the
   wait, and the outcome is filtered (no-response). A listener whose accept queue is full drops
   SYNs too: from outside it looks exactly like a firewall.
5. **Never write() to find out.** The first write() on a failed socket returns the pending error
   and consumes it; the next one raises `SIGPIPE`, which kills a program that did not ask
   otherwise. After an immediate failure the very first write() raises it. Use
   `send(..., MSG_NOSIGNAL)`; the library never raises `SIGPIPE` and installs no handler.
6. **After a failure, close the socket and take a fresh one.** The old socket's state is spent:
   connect() on it again answers with leftovers (`ECONNABORTED`) or starts an unrelated
   handshake.
7. **Check for a self-connect.** A loopback connect whose source port equals the destination
   port connects the socket to itself: `SO_ERROR` is 0 and `getpeername()` succeeds, so every
   method says "connected", yet nobody listens. Compare `getsockname()` with `getpeername()`;
   when equal, report closed (self-connect) and retry with a fresh socket. The tables show ✓ for
   every method because the library makes this check after any method.
8. **Name the answer by its errno** (the outcomes of docs/outcomes.md): `ECONNREFUSED` →
   closed; `ETIMEDOUT` or no answer → filtered (no-response); `EHOSTUNREACH`, `ENETUNREACH`,
   `EACCES`, `EPERM` → filtered; `EAGAIN`, `EADDRNOTAVAIL`, `EMFILE`, `ENFILE`, `ENOBUFS`,
   `ENOMEM` → a local shortage, retried after a back-off with a fresh socket, never reported as
   the peer's state (`ports-exhausted`: no source port was left, and `connect()` said
   `EADDRNOTAVAIL` at once). Linux reports ICMP admin-prohibited (code 13) as `EHOSTUNREACH`,
   so host-unreach is all a program can say there.
)";

}  // namespace

std::string render_markdown(const std::vector<Record>& records) {
  std::string out;
  std::vector<const Record*> ran;  // TCP; the other families' sections pick their own
  std::vector<const Record*> all_ran;
  std::vector<const Record*> skipped;
  for (const Record& r : records) {
    if (r.value("skipped", Record(nullptr)).is_string()) {
      skipped.push_back(&r);
      continue;
    }
    all_ran.push_back(&r);
    if (str(r, "family", "tcp") == "tcp") ran.push_back(&r);
  }
  std::string kernel = records.empty() ? "unknown" : str(records.front(), "kernel", "unknown");
  bool isolated = !records.empty() && str(records.front(), "isolation") == "netns";
  std::string firewall;
  // The usual wait, and the scenarios that needed a longer one.
  std::map<long, int> waits;
  for (const Record& r : records) ++waits[r.value("wait_ms", 0L)];
  long wait_ms = 0;
  int most = 0;
  for (const auto& [ms, count] : waits) {
    if (count > most) {
      most = count;
      wait_ms = ms;
    }
  }
  std::string longer;
  for (const Record& r : records) {
    long ms = r.value("wait_ms", 0L);
    if (ms == wait_ms) continue;
    longer += fmt::format("{}`{}` {} ms", longer.empty() ? " (" : ", ", str(r, "scenario"), ms);
  }
  if (!longer.empty()) longer += ")";
  for (const Record* r : all_ran) {
    if (firewall.empty()) firewall = str(*r, "firewall");
  }

  out += "# Non-blocking connect() on Linux: the behaviour matrix\n\n";
  out += fmt::format("Measured by `nbconnect lab` on {}, ", kernel);
  out += isolated ? "in a private network namespace with only loopback"
                  : "on the host's loopback (no private network namespace could be created)";
  if (!firewall.empty()) out += fmt::format("; firewall rules set with {}", firewall);
  out += fmt::format(
      ". A connect with no answer was waited for {} ms{}. Regenerate with `make docs`; "
      "`nbconnect lab --json` gives the same data as one JSON record per scenario.\n\n",
      wait_ms, longer);

  out += "## The scenarios\n\n";
  table_head(out, {"scenario", "staged", "a correct program reports"});
  for (const Record& r : records) {
    std::string staged = str(r, "title");
    if (r.value("skipped", Record(nullptr)).is_string()) staged += " (skipped)";
    table_row(out, {"`" + str(r, "scenario") + "`", escape(staged), truth_text(r)});
  }
  out += "\n";

  if (!ran.empty()) {
    out += "## 1. Starting the connect\n\n";
    out +=
        "The first three connect() calls are made in a row on one non-blocking socket, without "
        "waiting. Then a fresh socket connects and poll() waits for `POLLIN|POLLOUT`. A number "
        "is the call's return value; a name is the errno of a -1 return.\n\n";
    table_head(out, {"scenario", "1st connect()", "took", "2nd connect()", "3rd connect()",
                     "poll() after the wait", "ready after"});
    for (const Record* r : ran) {
      const Record& c1 = step_of(*r, "connect-1");
      const Record& p = step_of(*r, "poll");
      table_row(out, {"`" + str(*r, "scenario") + "`", step_cell("connect-1", c1),
                      c1.contains("us") ? ms_text(c1["us"].get<double>()) : "—",
                      step_cell("connect-2", step_of(*r, "connect-2")),
                      step_cell("connect-3", step_of(*r, "connect-3")), step_cell("poll", p),
                      p.contains("us") ? ms_text(p["us"].get<double>()) : "—"});
    }
    out += "\n";

    out += "## 2. After the wait: the first call on a fresh socket\n\n";
    out +=
        "Each column is measured on a socket of its own, as the first call after the wait, "
        "because `SO_ERROR` and `read()` consume the pending error and a `connect()` may start "
        "a new handshake. `write()` and `2nd write()` are two plain writes in a row, made in a "
        "child process with the default `SIGPIPE` action, as is `write() after SO_ERROR`.\n\n";
    std::vector<std::string> head = {"scenario", "kernel says"};
    for (const StepInfo& s : after_wait_steps()) head.push_back(std::string(s.label));
    table_head(out, head);
    for (const Record* r : ran) {
      std::vector<std::string> row = {"`" + str(*r, "scenario") + "`", str(*r, "kernel_says", "—")};
      for (const StepInfo& s : after_wait_steps()) {
        row.push_back(step_cell(s.key, step_of(*r, s.key)));
      }
      table_row(out, row);
    }
    out += "\n";

    out += "## 3. Which detection method reports the truth\n\n";
    out +=
        "nbconnect's own connect, once per method, waiting with epoll. ✓: the outcome a correct "
        "program reports; ✗: what the method reported instead.\n\n";
    std::vector<std::string> mhead = {"scenario", "truth"};
    for (Method m : kMethods) mhead.push_back(std::string(to_string(m)));
    table_head(out, mhead);
    for (const Record* r : ran) {
      std::vector<std::string> row = {"`" + str(*r, "scenario") + "`", truth_text(*r)};
      for (Method m : kMethods) {
        const Record* res = method_result(*r, to_string(m), "epoll");
        row.push_back(res ? outcome_cell(*res) : "—");
      }
      table_row(out, row);
    }
    out += "\n";

    out += "## 4. Which poller reports the truth\n\n";
    out += "nbconnect's own connect with the so-error method, once per poller.\n\n";
    std::vector<std::string> bhead = {"scenario", "truth"};
    for (Backend b : kBackends) bhead.push_back(std::string(to_string(b)));
    table_head(out, bhead);
    for (const Record* r : ran) {
      std::vector<std::string> row = {"`" + str(*r, "scenario") + "`", truth_text(*r)};
      for (Backend b : kBackends) {
        const Record* res = method_result(*r, "so-error", to_string(b));
        row.push_back(res ? outcome_cell(*res) : "—");
      }
      table_row(out, row);
    }
    out += "\n";

    // The tables show two slices of the method × poller product; say whether the rest agrees.
    std::vector<std::string> odd;
    int combos = 0;
    for (const Record* r : ran) {
      auto methods = r->find("methods");
      if (methods == r->end()) continue;
      std::map<std::string, bool> by_method;
      for (const Record& m : *methods) {
        if (!m.value("available", false)) continue;
        ++combos;
        std::string method = str(m, "method");
        bool ok = m.value("correct", false);
        auto [it, fresh] = by_method.emplace(method, ok);
        if (!fresh && it->second != ok) {
          odd.push_back(fmt::format("`{}` with {}", str(*r, "scenario"), method));
        }
      }
    }
    std::set<std::string> unique(odd.begin(), odd.end());
    if (unique.empty()) {
      out += fmt::format(
          "All {} runs of every method with every available poller agree with these two tables: "
          "the poller never changes the answer, the method can.\n\n",
          combos);
    } else {
      out += "The poller changed the answer for: ";
      bool first = true;
      for (const std::string& s : unique) {
        out += (first ? "" : ", ") + s;
        first = false;
      }
      out += " (see `nbconnect lab --json`).\n\n";
    }
  }

  render_families(out, all_ran);

  if (!skipped.empty()) {
    out += "## Skipped\n\n";
    for (const Record* r : skipped) {
      out += fmt::format("- `{}`: {}\n", str(*r, "scenario"), str(*r, "skipped"));
    }
    out += "\n";
  }

  out += kRecipe;
  out += kFamiliesRecipe;
  return out;
}

}  // namespace nbc::lab
