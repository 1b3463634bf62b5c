// A scan's records on their way to stdout: JSON lines or CSV rows streamed as the probes finish
// (each loop buffers, and everything pending is written at least every flush interval), and for
// the text table only the rows it shows. Nothing is kept that the output mode does not need:
// with --json or --csv memory stays flat however many ports are open (unless -oX asks for the
// XML too, which needs every non-closed port per host, like the table).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nbconnect/nbconnect.hpp"
#include "targets.hpp"

namespace nbc::cli {

enum class Format { text, json, csv };

inline constexpr std::string_view kCsvHeader =
    "target,address,port,family,state,reason,errno,phase,rtt_ms,attempts,protocol\n";

void append_csv(std::string& out, const Outcome& o, std::string_view target, std::uint16_t port);
// `canary`: the probe was one of the scan's own canaries (a port nobody asked for).
void append_json(std::string& out, const Outcome& o, std::string_view target, std::uint16_t port,
                 bool canary = false);

// What the text table (and the XML) keeps of a port: 24 bytes, however many ports a scan holds.
struct Row {
  std::uint32_t group;
  std::uint32_t host;
  std::uint16_t port;
  State state;
  Reason reason;
  // What names the reason beside it: the proxy's status with Reason::proxy_http
  // (OutcomeFacts::proxy_status), else the errno (OutcomeFacts::error).
  int code;
  std::chrono::nanoseconds rtt;

  static Row of(const Probe& probe, const Outcome& o) {
    const int code = o.reason == Reason::proxy_http ? o.proxy_status : o.error;
    return Row{probe.group, probe.host, probe.port, o.state, o.reason, code, o.rtt};
  }
  // The same name a single record gives ("proxy-http-500", "econnreset", "conn-refused").
  std::string reason_name() const {
    return reason == Reason::proxy_http ? nbc::reason_name(reason, 0, code)
                                        : nbc::reason_name(reason, code);
  }
};
static_assert(sizeof(Row) <= 24, "a scan keeps a Row for every port it shows");

// nmap lists a host's closed or filtered ports one by one up to this many, and counts them beyond
// (its <extraports>); the XML keeps that rule, so ScanOutput keeps this many closed rows per host.
inline constexpr std::uint32_t kXmlListedMax = 25;

// Per host, for the XML: how many of its ports ended in each state (by State's value), and how
// many of the closed ones were self-connects.
struct HostCounts {
  std::uint32_t group;
  std::uint32_t host;
  std::array<std::uint32_t, kStateCount> states{};
  std::uint32_t self_connects = 0;
};

// How many ports of one host were open (for the SYN-proxy check after the scan).
struct HostOpen {
  std::uint32_t group;
  std::uint32_t host;
  std::uint64_t open;
};

class ScanOutput {
 public:
  // Writes text to stdout; false when the write failed.
  using Writer = std::function<bool(std::string_view)>;

  // `on_write_error` is called (once, on any thread) when a write fails: the scan should stop.
  ScanOutput(Format format, bool open_only, const Targets& targets, std::size_t loops,
             Writer writer, std::function<void()> on_write_error);

  // Also keep what the XML needs, whatever the format: the non-closed rows, up to kXmlListedMax
  // closed rows per host and loop, and per-host counts. Call before the scan runs.
  void keep_for_xml();
  // Keep only the counts per host (for the state bars on a terminal). Call before the scan runs.
  void keep_host_counts();

  // One probe's final outcome, on the loop thread that ran it.
  void record(const Probe& probe, const Outcome& outcome);
  // Text that goes out as it is (the CSV header, unresolved names' records), from any thread.
  void write(std::string_view text);
  // Writes what every loop holds; from any thread, at least every flush interval while it runs.
  void flush();
  bool failed() const;

  // After the run: the table's rows in order (text only), the hosts with open ports, the counts.
  std::vector<Row> rows() const;
  std::vector<HostOpen> open_hosts() const;
  std::uint64_t count(State state) const;
  // Rows held for the table (text mode only; 0 otherwise).
  std::size_t rows_kept() const;
  // After the run, with keep_for_xml(): the closed rows kept (every closed port of a host with at
  // most kXmlListedMax of them), and the counts per host, both in (group, host[, port]) order.
  std::vector<Row> closed_rows() const;
  std::vector<HostCounts> host_counts() const;

 private:
  // One loop's share; its mutex is taken by the loop per record and by flush() now and then.
  struct alignas(64) Loop {
    std::mutex mutex;
    std::string pending;
    std::vector<Row> rows;
    std::unordered_map<std::uint64_t, std::uint64_t> open;  // group << 32 | host -> open ports
    std::array<std::uint64_t, kStateCount> counts{};
    std::vector<Row> closed_rows;                         // keep_for_xml() only
    std::unordered_map<std::uint64_t, HostCounts> hosts;  // keep_for_xml() or keep_host_counts()
  };

  void emit(std::string& text);
  // The per-host counts (and, for the XML, the closed rows it lists).
  void keep_counts(Loop& loop, const Probe& probe, const Outcome& o);

  Format format_;
  bool open_only_;
  bool xml_ = false;
  bool host_counts_ = false;  // keep_for_xml() or keep_host_counts()
  const Targets& targets_;
  std::vector<std::unique_ptr<Loop>> loops_;
  Writer writer_;
  std::function<void()> on_write_error_;
  mutable std::mutex write_mutex_;
  bool failed_ = false;  // under write_mutex_
};

// "10.0.0.1 (db.example)": the address, and the word it came from when that differs.
std::string host_heading(const std::string& label, const std::string& address);

struct Glyphs;
// Under the summary on a terminal: a state bar per host (at most kBarHostsMax, then a count of
// the rest) and the legend.
inline constexpr std::size_t kBarHostsMax = 32;
std::string host_state_bars(const Targets& targets, const std::vector<HostCounts>& hosts,
                            const Glyphs& glyphs);

}  // namespace nbc::cli
