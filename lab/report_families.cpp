// The UNIX-domain and UDP sections of the lab's Markdown report: one table per family (UNIX
// stream connects, UDP probes, UDP peers), the ICMP rate-limit figures, and the part of the
// recipe that they teach.
#include <fmt/format.h>

#include "lab/markdown.hpp"
#include "lab/probe.hpp"

namespace nbc::lab {
namespace {

const Record& step(const Record& rec, std::string_view key) {
  static const Record none;
  auto steps = rec.find("steps");
  if (steps == rec.end() || !steps->is_object()) return none;
  auto it = steps->find(key);
  return it == steps->end() ? none : *it;
}

// A call as a cell: the errno name of a -1, else the return value.
std::string call_cell(const Record& c) {
  if (!c.is_object()) return "—";
  const Record& ret = c.value("ret", Record(nullptr));
  if (!ret.is_number()) return "—";
  if (ret.get<long>() < 0) return str(c, "errno", "-1");
  return std::to_string(ret.get<long>());
}

std::string poll_cell(const Record& p) {
  if (!p.is_object()) return "—";
  std::string events = str(p, "events");
  return events.empty() ? "none (timeout)" : escape(events);
}

std::string so_error_cell(const Record& c) {
  if (!c.is_object()) return "—";
  if (c.value("ret", 0L) < 0) return str(c, "errno", "-1");
  const Record& v = c.value("value", Record(0));
  return v.is_string() ? v.get<std::string>() : "0";
}

// getpeername(): "0 (the target)" when the peer is the address connected to.
std::string peer_cell(const Record& c, const Record& rec = Record()) {
  std::string cell = call_cell(c);
  if (cell != "0" || !c.contains("peer")) return cell;
  if (rec.is_object() && str(c, "peer") == str(rec, "target")) return cell + " (the target)";
  return cell + " (" + escape(str(c, "peer")) + ")";
}

std::string truth(const Record& rec) {
  const Record& t = rec.value("truth", Record::object());
  return escape(str(t, "state") + " " + str(t, "reason"));
}

std::string name_cell(const Record& rec) {
  return "`" + str(rec, "scenario") + "`";
}

std::string list_cell(const Record& list) {
  if (!list.is_array() || list.empty()) return "nothing";
  std::string out;
  for (const Record& x : list) out += (out.empty() ? "" : ", ") + x.get<std::string>();
  return out;
}

void unix_section(std::string& out, const std::vector<const Record*>& recs) {
  out += "## 5. UNIX-domain stream sockets\n\n";
  out +=
      "A non-blocking `SOCK_STREAM` socket connects to a path in a temporary directory (or to an "
      "abstract name, shown with a leading `@`). As for TCP, each column after `connect()` is "
      "the first call on a fresh socket; `poll()` waits for `POLLIN|POLLOUT` at most the lab's "
      "wait, and `connect() again` is made on the socket that polled.\n\n";
  table_head(out, {"scenario", "connect()", "poll() after the wait", "connect() again", "SO_ERROR",
                   "getpeername()", "a correct program reports"});
  std::string notes;
  for (const Record* r : recs) {
    table_row(out, {name_cell(*r), call_cell(step(*r, "connect")), poll_cell(step(*r, "poll")),
                    call_cell(step(*r, "connect-again")), so_error_cell(step(*r, "so-error")),
                    peer_cell(step(*r, "getpeername"), *r), truth(*r)});
    const std::string name = str(*r, "scenario");
    if (name == "unix-backlog-full") {
      const Record& queued = step(*r, "queued");
      notes += fmt::format(
          "- `unix-backlog-full`: with `listen(fd, 0)` {} connect(){} succeeded and the next "
          "said `{}` at once. Once the server accepted one, a fresh socket's connect() said "
          "`{}`: here `EAGAIN` means the server is busy, not that this machine is short of "
          "anything.\n",
          queued.is_number() ? queued.get<long>() : -1,
          queued.is_number() && queued.get<long>() == 1 ? "" : "s",
          call_cell(step(*r, "filling-connect")), call_cell(step(*r, "connect-after-accept")));
    } else if (name == "unix-permission") {
      notes += fmt::format(
          "- `unix-permission`: the socket file has mode 0500 and connect() is made {}. "
          "Connecting needs write permission on the socket file (and search permission on every "
          "directory above it); root is never refused.\n",
          step(*r, "as") == "nobody"  ? "by user nobody (65534) in a child that gave up root"
          : step(*r, "as") == "owner" ? "by its owner, who is not root"
                                      : "by its owner, root without capabilities");
    } else if (name == "unix-too-long") {
      notes += fmt::format(
          "- `unix-too-long`: an address longer than `struct sockaddr_un` is refused with `{}` "
          "before any lookup; a path of exactly 108 bytes with no terminating NUL still fits "
          "(connect(): `{}`, the path is looked up). nbconnect refuses a longer path as bad "
          "input (exit 64) before it makes a socket.\n",
          call_cell(step(*r, "connect")), call_cell(step(*r, "connect-108")));
    }
  }
  out += "\n";
  if (!notes.empty()) out += notes + "\n";
}

void udp_section(std::string& out, const std::vector<const Record*>& recs) {
  out += "## 6. UDP: a probe on a connected socket\n\n";
  out +=
      "A non-blocking UDP socket connect()s to the port and send()s one byte; poll() then waits "
      "for `POLLIN` (`POLLERR` is always reported) at most the lab's wait. The calls after the "
      "wait are each made on a socket of its own, as the first call after poll(), because "
      "recv(), send() and `SO_ERROR` all consume a pending error; `send() after recv()` is the "
      "third call on the socket that received.\n\n";
  table_head(out, {"scenario", "connect()", "send()", "poll() after the wait", "recv()",
                   "send() after recv()", "2nd send()", "SO_ERROR", "getpeername()",
                   "a correct program reports"});
  for (const Record* r : recs) {
    std::string recv = call_cell(step(*r, "recv"));
    if (recv == "1") recv = "1 (the answer)";
    table_row(out, {name_cell(*r), call_cell(step(*r, "connect")), call_cell(step(*r, "send")),
                    poll_cell(step(*r, "poll")), recv, call_cell(step(*r, "send-after-recv")),
                    call_cell(step(*r, "send-2")), so_error_cell(step(*r, "so-error")),
                    peer_cell(step(*r, "getpeername"), *r), truth(*r)});
  }
  out += "\n";
}

void peers_section(std::string& out, const std::vector<const Record*>& recs) {
  out += "## 7. UDP: connect() sets the only peer\n\n";
  out +=
      "Sockets A, B, C and P are bound to 127.0.0.1. Each row is one sequence of calls on P; "
      "\"P receives\" lists the senders of the datagrams P could read after a bounded wait.\n\n";
  table_head(out, {"scenario", "the calls, in order", "what it shows"});
  for (const Record* r : recs) {
    const std::string name = str(*r, "scenario");
    std::string calls, shows;
    if (name == "udp-reconnect") {
      calls = fmt::format(
          "connect(A): {}; connect(B): {}; getpeername(): {}; A and B send: P receives {}; "
          "send(): reaches {}",
          call_cell(step(*r, "connect-a")), call_cell(step(*r, "connect-b")),
          peer_cell(step(*r, "getpeername")), list_cell(step(*r, "received-from")),
          list_cell(step(*r, "send-reached")));
      shows =
          "a second connect() replaces the peer at once; datagrams from the old one are "
          "no longer taken";
    } else if (name == "udp-unspec") {
      const Record& port = step(*r, "port-0-socket-port-after");
      calls = fmt::format(
          "connect(A): {}; connect(AF_UNSPEC): {}; getpeername(): {}; send(): {}; C sends: P "
          "receives {}. Q (bound to port 0) after the same connect()s: getsockname() port {}",
          call_cell(step(*r, "connect-a")), call_cell(step(*r, "connect-unspec")),
          call_cell(step(*r, "getpeername")), call_cell(step(*r, "send")),
          list_cell(step(*r, "received-from")),
          port.is_number() ? std::to_string(port.get<long>()) : "?");
      shows =
          "AF_UNSPEC dissolves the association: no default destination, any sender again; "
          "a socket that was bound to port 0 gives its port up as well (the next send() "
          "picks a new one)";
    } else if (name == "udp-foreign-peer") {
      calls = fmt::format(
          "connect(A): {}; C sends: {}; A sends: P receives {}; C's poll(): {}; C's recv(): {}",
          call_cell(step(*r, "connect-a")), call_cell(step(*r, "c-send")),
          list_cell(step(*r, "received-from")),
          escape(step(*r, "c-poll").is_string() && !step(*r, "c-poll").get<std::string>().empty()
                     ? step(*r, "c-poll").get<std::string>()
                     : "none (timeout)"),
          call_cell(step(*r, "c-recv")));
      shows =
          "a connected socket drops other senders' datagrams, and the kernel answers them "
          "as if the port were closed";
    }
    table_row(out, {name_cell(*r), escape(calls), shows});
  }
  out += "\n";
}

void rate_section(std::string& out, const Record& r) {
  out += "## 8. The ICMP rate limit\n\n";
  const Record& steps = r.value("steps", Record::object());
  const Record& d = steps.value("defaults", Record::object());
  out += fmt::format(
      "Linux sends at most `net.ipv4.icmp_msgs_per_sec` ICMP errors a second (a token bucket "
      "of `icmp_msgs_burst`) for the types in `icmp_ratemask`, and at most one per "
      "`icmp_ratelimit` ms to each destination. A fresh namespace here has icmp_msgs_per_sec "
      "{}, icmp_msgs_burst {}, icmp_ratelimit {}, icmp_ratemask {} (destination unreachable, "
      "type 3, is in the mask). Set-up: {}. Measured with `nbconnect lab --scenario "
      "udp-icmp-rate-limit`; the counts vary a little from run to run.\n\n",
      str(d, "icmp_msgs_per_sec", "?"), str(d, "icmp_msgs_burst", "?"),
      str(d, "icmp_ratelimit", "?"), str(d, "icmp_ratemask", "?"), str(r, "setup"));
  table_head(out,
             {"path", "limits", "probes", "sent at", "sent in", "ECONNREFUSED back", "listened"});
  const Record& runs = steps.value("runs", Record::array());
  for (const Record& run : runs) {
    int per_second = run.value("per_second", 0);
    table_row(out,
              {str(run, "path"), escape(str(run, "limits")), std::to_string(run.value("probes", 0)),
               per_second > 0 ? fmt::format("{}/s", per_second) : "full speed",
               fmt::format("{:.1f} ms", run.value("send_ms", 0.0)),
               std::to_string(run.value("refused", 0)),
               fmt::format("{:.1f} ms", run.value("listened_ms", 0.0))});
  }
  out += "\n";
  if (runs.size() >= 4) {
    const Record& paced = runs[3];
    double seconds = paced.value("send_ms", 0.0) / 1000.0;
    double burst = 0;
    try {
      burst = std::stod(str(d, "icmp_msgs_burst", "0"));
    } catch (...) {
    }
    double rate = seconds > 0 ? (paced.value("refused", 0) - burst) / seconds : 0;
    bool exempt = runs[0].value("refused", 0) == runs[0].value("sent", -1);
    out += fmt::format(
        "{} Across the veth pair, as from a remote Linux host, the per-destination limit "
        "answered {} of {} probes (a burst of 6, then one a second: `icmp_ratelimit` 1000 ms); "
        "with it off, the global limit let {} of {} through at full speed and, paced, about "
        "{:.0f} a second once its burst was spent.\n\n",
        exempt ? "Over loopback every probe was answered: Linux exempts ICMP errors for "
                 "packets that came in on loopback from both limits."
               : "Over loopback some probes were not answered: loopback is limited here.",
        runs[1].value("refused", 0), runs[1].value("sent", 0), runs[2].value("refused", 0),
        runs[2].value("sent", 0), rate);
  }
}

}  // namespace

void render_families(std::string& out, const std::vector<const Record*>& ran) {
  std::vector<const Record*> unix_recs, udp_recs, peer_recs;
  const Record* rate = nullptr;
  for (const Record* r : ran) {
    const Scenario* sc = find_scenario(str(*r, "scenario"));
    if (!sc) continue;
    switch (sc->kind) {
      case Family::tcp:
        break;
      case Family::unix_stream:
        unix_recs.push_back(r);
        break;
      case Family::udp:
        udp_recs.push_back(r);
        break;
      case Family::udp_peers:
        peer_recs.push_back(r);
        break;
      case Family::udp_rate:
        rate = r;
        break;
    }
  }
  if (!unix_recs.empty()) unix_section(out, unix_recs);
  if (!udp_recs.empty()) udp_section(out, udp_recs);
  if (!peer_recs.empty()) peers_section(out, peer_recs);
  if (rate) rate_section(out, *rate);
}

const char* const kFamiliesRecipe =
    R"(9. **UNIX stream sockets answer at once.** connect() on a UNIX path either succeeds (0) or
   fails immediately; it never says `EINPROGRESS`, so there is nothing to poll for. Name the
   answer by its errno: `ENOENT` → closed (enoent); `ECONNREFUSED` (a stale socket file, a file
   that is not a socket, an abstract name nobody bound) → closed (conn-refused); `EPROTOTYPE`
   (a datagram socket at the path) → error; `EACCES` → filtered (admin-prohibited); `ENOTDIR`
   → error. Refuse a path longer than `sun_path` before making a socket.
10. **`EAGAIN` from a UNIX connect() means the server is busy.** A listener whose accept queue
   is full refuses non-blocking connects with `EAGAIN` at once, the errno that means "local
   resources" for TCP. Close the socket and retry with a fresh one (after a short back-off)
   until the deadline; then report filtered (backlog-full), never a local shortage.
11. **A UDP error arrives on the next call.** send() on a connected UDP socket succeeds even
   when the port is closed; the ICMP error that comes back is kept on the socket and given to
   whichever call comes next (recv(), send() or `SO_ERROR`), once. Use a connected socket (an
   unconnected one is not told at all), send the probe, wait for `POLLIN` (`POLLERR` comes
   with it) until the deadline, and read the answer with recv(): a datagram → open
   (udp-response); `ECONNREFUSED` → closed (port-unreach); `EHOSTUNREACH`, `ENETUNREACH` →
   filtered; nothing → open|filtered (no-response), as a firewall's silence and a quiet server
   look the same. A connected socket also drops datagrams from any other sender, and
   connect() with `AF_UNSPEC` dissolves the association.
12. **Respect the ICMP rate limit.** A remote Linux host with the default settings answers a
   closed UDP port with ICMP at most once a second per prober after a burst of six
   (`icmp_ratelimit`), and at most about 1,000 times a second in all (`icmp_msgs_per_sec`,
   burst 50); loopback is exempt from both (section 8). A faster scan reads the unanswered
   closed ports as open|filtered: keep UDP probes to one machine at about 1,000 a second or
   less (one a second where closed ports must be told from silent ones on a default Linux
   host), and retry a silent probe before calling it open|filtered.
13. **Ask for the soft ICMP errors.** A connected UDP socket hears ICMP port-unreachable and
   admin-prohibited, but host- and net-unreachable only with `IP_RECVERR` set (the rows
   without it wait in vain): set it on UDP probe sockets.
)";

}  // namespace nbc::lab
