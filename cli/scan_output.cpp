// A scan's records streamed to stdout; the table's rows and the counts kept (scan_output.hpp).
#include "scan_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <tuple>

#include "common.hpp"
#include "pictures.hpp"
#include "record_writer.hpp"

namespace nbc::cli {
namespace {

// A loop writes its records once this much is pending; flush() writes the rest in between.
constexpr std::size_t kChunk = std::size_t{1} << 16;

}  // namespace

void append_csv(std::string& out, const Outcome& o, std::string_view target, std::uint16_t port) {
  append_csv_record(out, o, target, port);
}

void append_json(std::string& out, const Outcome& o, std::string_view target, std::uint16_t port,
                 bool canary) {
  // Every port is accounted for, resolved or not: a record without an address keeps `port`.
  append_json_record(out, o, target, port, record_method(), canary);
}

ScanOutput::ScanOutput(Format format, bool open_only, const Targets& targets, std::size_t loops,
                       Writer writer, std::function<void()> on_write_error)
    : format_(format),
      open_only_(open_only),
      targets_(targets),
      writer_(std::move(writer)),
      on_write_error_(std::move(on_write_error)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(loops, 1); ++i) {
    loops_.push_back(std::make_unique<Loop>());
  }
}

void ScanOutput::keep_for_xml() {
  xml_ = host_counts_ = true;
}

void ScanOutput::keep_host_counts() {
  host_counts_ = true;
}

void ScanOutput::keep_counts(Loop& loop, const Probe& probe, const Outcome& o) {
  HostCounts& counts = loop.hosts[std::uint64_t{probe.group} << 32 | probe.host];
  counts.group = probe.group;
  counts.host = probe.host;
  std::uint32_t& n = counts.states[static_cast<std::size_t>(o.state)];
  ++n;
  if (o.reason == Reason::self_connect) ++counts.self_connects;
  if (xml_ && o.state == State::closed && !open_only_ && n <= kXmlListedMax) {
    loop.closed_rows.push_back(Row::of(probe, o));
  }
}

void ScanOutput::record(const Probe& probe, const Outcome& o) {
  Loop& loop = *loops_[probe.worker];
  // Counts and open hosts are this loop's alone: no lock.
  ++loop.counts[static_cast<std::size_t>(o.state)];
  if (o.state == State::open) ++loop.open[std::uint64_t{probe.group} << 32 | probe.host];
  if (host_counts_) keep_counts(loop, probe, o);
  if (open_only_ && o.state != State::open) return;
  if (format_ == Format::text || xml_) {
    if (o.state != State::closed) {
      loop.rows.push_back(Row::of(probe, o));
    }
    if (format_ == Format::text) return;
  }
  const std::string& label = targets_.labels[probe.group][probe.host];
  std::string chunk;
  {
    std::lock_guard lock(loop.mutex);
    if (format_ == Format::json) {
      append_json(loop.pending, o, label, probe.port);
    } else {
      append_csv(loop.pending, o, label, probe.port);
    }
    if (loop.pending.size() < kChunk) return;
    chunk.swap(loop.pending);
  }
  emit(chunk);
}

void ScanOutput::write(std::string_view text) {
  std::string copy(text);
  emit(copy);
}

void ScanOutput::flush() {
  for (auto& loop : loops_) {
    std::string chunk;
    {
      std::lock_guard lock(loop->mutex);
      chunk.swap(loop->pending);
    }
    emit(chunk);
  }
}

// Chunks hold whole records and go out one at a time, so records never interleave.
void ScanOutput::emit(std::string& text) {
  if (text.empty()) return;
  bool first_failure = false;
  {
    std::lock_guard lock(write_mutex_);
    if (failed_) return;
    if (!writer_(text)) failed_ = first_failure = true;
  }
  if (first_failure && on_write_error_) on_write_error_();
}

bool ScanOutput::failed() const {
  std::lock_guard lock(write_mutex_);
  return failed_;
}

std::vector<Row> ScanOutput::rows() const {
  std::vector<Row> all;
  for (const auto& loop : loops_) all.insert(all.end(), loop->rows.begin(), loop->rows.end());
  std::sort(all.begin(), all.end(), [](const Row& a, const Row& b) {
    return std::tie(a.group, a.host, a.port) < std::tie(b.group, b.host, b.port);
  });
  return all;
}

std::vector<Row> ScanOutput::closed_rows() const {
  std::vector<Row> all;
  for (const auto& loop : loops_) {
    all.insert(all.end(), loop->closed_rows.begin(), loop->closed_rows.end());
  }
  std::sort(all.begin(), all.end(), [](const Row& a, const Row& b) {
    return std::tie(a.group, a.host, a.port) < std::tie(b.group, b.host, b.port);
  });
  return all;
}

std::vector<HostCounts> ScanOutput::host_counts() const {
  std::unordered_map<std::uint64_t, HostCounts> merged;
  for (const auto& loop : loops_) {
    for (const auto& [key, c] : loop->hosts) {
      HostCounts& m = merged[key];
      m.group = c.group;
      m.host = c.host;
      for (std::size_t s = 0; s < m.states.size(); ++s) m.states[s] += c.states[s];
      m.self_connects += c.self_connects;
    }
  }
  std::vector<HostCounts> hosts;
  hosts.reserve(merged.size());
  for (const auto& [key, c] : merged) hosts.push_back(c);
  std::sort(hosts.begin(), hosts.end(), [](const HostCounts& a, const HostCounts& b) {
    return std::tie(a.group, a.host) < std::tie(b.group, b.host);
  });
  return hosts;
}

std::vector<HostOpen> ScanOutput::open_hosts() const {
  std::unordered_map<std::uint64_t, std::uint64_t> merged;
  for (const auto& loop : loops_) {
    for (const auto& [key, n] : loop->open) merged[key] += n;
  }
  std::vector<HostOpen> hosts;
  for (const auto& [key, n] : merged) {
    hosts.push_back(HostOpen{static_cast<std::uint32_t>(key >> 32),
                             static_cast<std::uint32_t>(key & 0xffffffffu), n});
  }
  std::sort(hosts.begin(), hosts.end(), [](const HostOpen& a, const HostOpen& b) {
    return std::tie(a.group, a.host) < std::tie(b.group, b.host);
  });
  return hosts;
}

std::uint64_t ScanOutput::count(State s) const {
  std::uint64_t n = 0;
  for (const auto& loop : loops_) n += loop->counts[static_cast<std::size_t>(s)];
  return n;
}

std::size_t ScanOutput::rows_kept() const {
  std::size_t n = 0;
  for (const auto& loop : loops_) n += loop->rows.size();
  return n;
}

std::string host_heading(const std::string& label, const std::string& address) {
  if (label == address) return address;
  return fmt::format("{} ({})", address, label);
}

std::string host_state_bars(const Targets& targets, const std::vector<HostCounts>& hosts,
                            const Glyphs& glyphs) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < hosts.size() && i < kBarHostsMax; ++i) {
    const HostCounts& h = hosts[i];
    names.push_back(host_heading(targets.labels[h.group][h.host],
                                 targets.groups[h.group].hosts[h.host].address()));
  }
  std::size_t width = 0;
  for (const std::string& n : names) width = std::max(width, n.size());
  std::string out;
  std::array<std::uint64_t, kStateCount> drawn{};
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::array<std::uint64_t, kStateCount> counts{};
    for (std::size_t s = 0; s < kStateCount; ++s) {
      counts[s] = hosts[i].states[s];
      drawn[s] += counts[s];
    }
    fmt::format_to(std::back_inserter(out), "  {:<{}}  {}  {}\n", names[i], width,
                   state_bar(counts, 40, glyphs), state_counts_text(counts));
  }
  if (hosts.size() > names.size()) {
    std::size_t rest = hosts.size() - names.size();
    fmt::format_to(std::back_inserter(out), "  ({} more host{} not drawn)\n", rest,
                   rest == 1 ? "" : "s");
  }
  if (!names.empty()) out += "  " + state_legend(drawn, glyphs) + "\n";
  return out;
}

}  // namespace nbc::cli
