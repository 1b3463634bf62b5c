// The pictures on a terminal (cli/pictures.hpp): ping's latency bars and histogram, scan's
// per-host state bars and its progress sparkline; ASCII in a non-UTF-8 locale; nothing of it
// when the output is piped, with --json, or with TERM=dumb.
#include "cli/names_support.hpp"
#include "cli/terminal_run.hpp"

namespace nbc::test {
namespace {

const std::vector<std::string> kUtf8 = {"LANG=C.UTF-8", "TERM=xterm", "NO_COLOR=1"};
const std::vector<std::string> kAsciiLocale = {"LANG=C", "TERM=xterm", "NO_COLOR=1"};

// UTF-8 of the block elements U+2580..U+259F all start with these two bytes.
const std::string kBlock = "\xe2\x96";

std::vector<std::string> lines_with(const std::string& text, const std::string& what) {
  std::vector<std::string> found;
  for (const std::string& line : lines_of(text)) {
    if (line.find(what) != std::string::npos) found.push_back(line);
  }
  return found;
}

TEST(PingPictures, ATerminalGetsALatencyBarPerProbeAndAHistogram) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  std::string target = "127.0.0.1:" + std::to_string(listener.port());
  auto r = run_on_terminal({"ping", "-c", "6", "-i", "10ms", target}, kUtf8);
  ASSERT_EQ(r.exit_code, 0) << r.text;
  auto probes = lines_with(r.text, "seq=");
  ASSERT_EQ(probes.size(), 6u) << r.text;
  for (const std::string& line : probes) {
    // "seq=1 127.0.0.1:PORT open (syn-ack) time=0.030 ms  █▏"
    std::size_t at = line.find(" ms  ");
    ASSERT_NE(at, std::string::npos) << line;
    EXPECT_EQ(line.compare(at + 5, 2, kBlock), 0) << line;
  }
  auto heading = lines_with(r.text, "latency histogram (6 connected, log buckets):");
  EXPECT_EQ(heading.size(), 1u) << r.text;
  // Every percentile is marked once, on the bucket rows ("│████ │ 3  ◀ p50").
  auto rows = lines_with(r.text, "│");
  ASSERT_FALSE(rows.empty()) << r.text;
  for (std::string p : {"p50", "p90", "p99"}) {
    std::size_t marked = 0;
    for (const std::string& line : rows) {
      marked += line.find(p) != std::string::npos;
    }
    EXPECT_EQ(marked, 1u) << p << "\n" << r.text;
  }
  EXPECT_EQ(lines_with(r.text, "◀ p50").size(), 1u) << r.text;
}

TEST(PingPictures, AFailedProbeIsMarkedAndAsciiOutsideUtf8) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  auto r = run_on_terminal(
      {"ping", "-c", "2", "-i", "10ms", "127.0.0.1:" + std::to_string(listener.port())},
      kAsciiLocale);
  ASSERT_EQ(r.exit_code, 0) << r.text;
  EXPECT_EQ(r.text.find("\xe2"), std::string::npos) << "UTF-8 in a C locale:\n" << r.text;
  for (const std::string& line : lines_with(r.text, "seq=")) {
    EXPECT_NE(line.find(" ms  #"), std::string::npos) << line;
  }
  EXPECT_EQ(lines_with(r.text, "<- p50").size(), 1u) << r.text;

  auto closed = run_on_terminal(
      {"ping", "-c", "2", "-i", "10ms", "127.0.0.1:" + std::to_string(closed_port())}, kUtf8);
  EXPECT_EQ(closed.exit_code, 1) << closed.text;
  for (const std::string& line : lines_with(closed.text, "seq=")) {
    EXPECT_TRUE(line.ends_with(" ms  ×")) << line;
  }
  // No probe connected: no histogram to draw.
  EXPECT_EQ(closed.text.find("latency histogram"), std::string::npos) << closed.text;
}

TEST(PingPictures, PipedJsonAndDumbTerminalsGetNone) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  std::string target = "127.0.0.1:" + std::to_string(listener.port());
  auto piped = nbconnect({"ping", "-c", "2", "-i", "10ms", target});
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out.find(kBlock), std::string::npos) << piped.out;
  EXPECT_EQ(piped.out.find("histogram"), std::string::npos) << piped.out;

  auto json = run_on_terminal({"ping", "-c", "2", "-i", "10ms", "--json", target}, kUtf8);
  ASSERT_EQ(json.exit_code, 0) << json.text;
  auto records = json_lines(json.text);  // every line is a JSON record
  EXPECT_EQ(records.size(), 3u) << json.text;

  std::vector<std::string> dumb = {"LANG=C.UTF-8", "TERM=dumb"};
  auto plain = run_on_terminal({"ping", "-c", "2", "-i", "10ms", target}, dumb);
  ASSERT_EQ(plain.exit_code, 0) << plain.text;
  EXPECT_EQ(plain.text.find(kBlock), std::string::npos) << plain.text;
}

TEST(ScanPictures, TheSummaryShowsAStateBarPerHost) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1"), b("127.0.0.1");
  std::uint16_t low = std::min(a.port(), b.port()), high = std::max(a.port(), b.port());
  std::string ports = std::to_string(low) + "," + std::to_string(high) + "," +
                      std::to_string(closed_port()) + "," + std::to_string(closed_port());
  auto r = run_on_terminal({"scan", "--no-progress", "127.0.0.1", "-p", ports}, kUtf8);
  ASSERT_EQ(r.exit_code, 0) << r.text;
  std::size_t summary = r.text.find(" host in ");
  ASSERT_NE(summary, std::string::npos) << r.text;
  std::string after = r.text.substr(summary);
  auto bars = lines_with(after, "  127.0.0.1  ");
  ASSERT_EQ(bars.size(), 1u) << r.text;
  // Two open of four (or of three, when both closed ports were one): half or more of 40 cells.
  std::size_t full = 0;
  for (std::size_t i = bars[0].find("█"); i != std::string::npos; i = bars[0].find("█", i + 1)) {
    ++full;
  }
  EXPECT_GE(full, 19u) << bars[0];
  EXPECT_NE(bars[0].find("░"), std::string::npos) << bars[0];
  EXPECT_NE(bars[0].find("  2 open, "), std::string::npos) << bars[0];
  EXPECT_NE(bars[0].find(" closed"), std::string::npos) << bars[0];
  auto legend = lines_with(after, "█ open");
  ASSERT_EQ(legend.size(), 1u) << r.text;
  EXPECT_NE(legend[0].find("░ closed"), std::string::npos) << legend[0];
  EXPECT_EQ(legend[0].find("filtered"), std::string::npos) << "no filtered port: " << legend[0];
  EXPECT_EQ(r.text.find("\x1b[3"), std::string::npos) << "colour despite NO_COLOR";

  auto colour = run_on_terminal({"scan", "--no-progress", "127.0.0.1", "-p", ports},
                                {"LANG=C.UTF-8", "TERM=xterm"});
  ASSERT_EQ(colour.exit_code, 0) << colour.text;
  EXPECT_NE(colour.text.find("\x1b[32m█"), std::string::npos) << colour.text;

  auto piped = nbconnect({"scan", "127.0.0.1", "-p", ports});
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out.find(kBlock), std::string::npos) << piped.out;
  EXPECT_TRUE(lines_with(piped.out, "  127.0.0.1  ").empty()) << piped.out;
}

TEST(ScanPictures, TheProgressLineCarriesARateSparkline) {
  NBC_REQUIRE_NETNS();
  // 60 probes at 150/s: about 0.4 s, four or more progress updates 100 ms apart.
  auto r = run_on_terminal({"scan", "127.0.0.1", "-p", "1-60", "--rate", "150"}, kUtf8);
  ASSERT_EQ(r.exit_code, 0) << r.text;
  std::size_t longest = 0, updates = 0;
  std::size_t at = 0;
  while ((at = r.text.find("\r\x1b[K", at)) != std::string::npos) {
    at += 4;
    std::size_t end = r.text.find_first_of("\r\n", at);
    std::string line = r.text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (line.find(" ETA ") == std::string::npos) continue;
    ++updates;
    // "60/60 ports (100.0%), 150/s, 0 in flight, ETA 0s ▃▇█▇"
    std::string tail = line.substr(line.rfind(' ') + 1);
    ASSERT_EQ(tail.size() % 3, 0u) << line;
    for (std::size_t i = 0; i < tail.size(); i += 3) {
      ASSERT_EQ(tail.compare(i, 2, kBlock), 0) << line;
    }
    longest = std::max(longest, tail.size() / 3);
  }
  EXPECT_GE(updates, 3u) << r.text;
  EXPECT_GE(longest, 3u) << r.text;
}

}  // namespace
}  // namespace nbc::test
