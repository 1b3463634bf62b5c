// nmap-compatible XML (--xml, -oX FILE): nmap's ndiff finds no port-state difference between
// nbconnect's document and nmap's -sT document of the same mixed host, and shows exactly the port
// that opened between two scans; xmllint accepts the document (and nmap's DTD, but for the
// scanner's name); a destination that cannot be written is refused before anything is scanned.
#include <poll.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "live_program.hpp"
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "nbconnect_xml_" + name + "_" + std::to_string(::getpid()) + ".xml";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// xmllint accepts the file as XML, and as nmap's DTD says once the scanner is called "nmap" (the
// DTD allows no other name; ndiff reads any).
void expect_valid_xml(const std::string& path) {
  RunResult lint = run_program({"/usr/bin/xmllint", "--noout", path});
  EXPECT_EQ(lint.exit_code, 0) << "xmllint (libxml2-utils, scripts/deps.sh): " << lint.err;
  std::string doc = read_file(path);
  std::string renamed =
      std::regex_replace(doc, std::regex("scanner=\"nbconnect\""), "scanner=\"nmap\"",
                         std::regex_constants::format_first_only);
  std::string dtd_path = path + ".nmap.xml";
  write_file(dtd_path, renamed);
  RunResult dtd = run_program(
      {"/usr/bin/xmllint", "--noout", "--dtdvalid", "/usr/share/nmap/nmap.dtd", dtd_path});
  EXPECT_EQ(dtd.exit_code, 0) << dtd.err;
  ::unlink(dtd_path.c_str());
}

// ndiff's lines that say what changed ("+80/tcp open http"), its banner lines left out and runs of
// spaces made one.
std::vector<std::string> ndiff_changes(const RunResult& r) {
  std::vector<std::string> changes;
  for (std::string line : lines_of(r.out)) {
    if (line.empty() || (line[0] != '+' && line[0] != '-')) continue;
    if (line.find(" scan initiated ") != std::string::npos) continue;
    changes.push_back(std::regex_replace(line, std::regex(" +"), " "));
  }
  return changes;
}

RunResult ndiff(const std::string& a, const std::string& b) {
  return run_program({"/usr/bin/ndiff", a, b}, std::chrono::seconds(30));
}

// A host with listeners, dropped ports (more than nmap lists one by one: counted), ICMP
// host-unreachable ports and reset ports; nbconnect and nmap scan `ports`; ndiff compares.
void expect_ndiff_agrees_with_nmap(const std::string& ports, const std::string& name) {
  Listener ssh("127.0.0.1", 22), http("127.0.0.1", 80), other("127.0.0.1", 1500);
  ASSERT_TRUE(ssh.ok() && http.ok() && other.ok());
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 1001:1004 -j DROP");
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 1100:1140 -j DROP");
  NBC_REQUIRE_IPTABLES(
      "-A INPUT -p tcp --dport 1011:1013 -j REJECT --reject-with icmp-host-unreachable");
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 1021:1023 -j REJECT --reject-with tcp-reset");

  std::string ours = temp_path(name + "_ours");
  std::string theirs = temp_path(name + "_nmap");
  RunResult r = scan({"127.0.0.1", "-p", ports, "-t", "300ms", "--no-progress", "-oX", ours});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // -oX FILE leaves stdout its table.
  EXPECT_NE(r.out.find("80/tcp"), std::string::npos) << r.out;
  RunResult n = run_program(
      {"/usr/bin/nmap", "-sT", "-n", "-Pn", "-T5", "-p", ports, "-oX", theirs, "127.0.0.1"},
      std::chrono::seconds(60));
  ASSERT_EQ(n.exit_code, 0) << "nmap (Debian's package) is needed: " << n.err;
  RunResult d = ndiff(theirs, ours);
  EXPECT_EQ(d.exit_code, 0) << "ndiff (Debian's package) found differences:\n"
                            << d.out << d.err << "\nnbconnect:\n"
                            << read_file(ours) << "\nnmap:\n"
                            << read_file(theirs);
  EXPECT_EQ(ndiff_changes(d), std::vector<std::string>{}) << d.out;
  expect_valid_xml(ours);
  ::unlink(ours.c_str());
  ::unlink(theirs.c_str());
}

TEST(ScanXml, NdiffFindsNoDifferenceFromNmapOnAMixedHost) {
  NBC_REQUIRE_NETNS();
  // 48 filtered and 1949 closed: both counted in <extraports>.
  expect_ndiff_agrees_with_nmap("1-2000", "mixed");
}

TEST(ScanXml, NdiffFindsNoDifferenceWhenFilteredPortsAreListed) {
  NBC_REQUIRE_NETNS();
  // 7 filtered (listed one by one, as nmap does up to 25) and 3 closed ones listed too.
  expect_ndiff_agrees_with_nmap("22,80,1001-1004,1011-1013,1021-1023,1500", "listed");
}

TEST(ScanXml, NdiffShowsExactlyThePortThatOpened) {
  NBC_REQUIRE_NETNS();
  // 20 ports: closed ones listed one by one; 100: counted.
  for (const std::string& ports : {std::string("70-89"), std::string("1-100")}) {
    std::string before = temp_path("before");
    std::string after = temp_path("after");
    RunResult a = scan({"127.0.0.1", "-p", ports, "--xml", "--no-progress"});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    write_file(before, a.out);
    RunResult b;
    {
      Listener http("127.0.0.1", 80);
      ASSERT_TRUE(http.ok());
      b = scan({"127.0.0.1", "-p", ports, "--xml", "--no-progress"});
    }
    ASSERT_EQ(b.exit_code, 0) << b.err;
    write_file(after, b.out);
    RunResult d = ndiff(before, after);
    EXPECT_EQ(d.exit_code, 1) << "ndiff exits 1 for a difference: " << d.out << d.err;
    std::vector<std::string> expected;
    if (ports == "70-89") {
      expected = {"-80/tcp closed http", "+80/tcp open http"};
    } else {
      expected = {"-Not shown: 100 closed ports", "+Not shown: 99 closed ports",
                  "+80/tcp open http"};
    }
    EXPECT_EQ(ndiff_changes(d), expected) << d.out;
    RunResult same = ndiff(after, after);
    EXPECT_EQ(same.exit_code, 0) << same.out;
    ::unlink(before.c_str());
    ::unlink(after.c_str());
  }
}

TEST(ScanXml, OnStdoutTheDocumentAloneWithNamesAndUnresolvedTargets) {
  NBC_REQUIRE_NETNS();
  Listener http("127.0.0.1", 80);
  ASSERT_TRUE(http.ok());
  // The namespace has no DNS server: the .invalid name fails at once.
  RunResult r =
      scan({"localhost", "no-such-host.invalid", "-p", "79-81", "--xml", "-4", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u) << r.out;
  EXPECT_TRUE(r.out.ends_with("</nmaprun>\n")) << r.out;
  // The summary goes to stderr, with the resolver's complaint.
  EXPECT_NE(r.err.find("3 ports on 1 host"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("<hostname name=\"localhost\" type=\"user\"/>"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<target specification=\"no-such-host.invalid\" status=\"skipped\" "
                       "reason=\"invalid\"/>"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<port protocol=\"tcp\" portid=\"80\"><state state=\"open\" "
                       "reason=\"syn-ack\" reason_ttl=\"0\"/><service name=\"http\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"3\" "
                       "services=\"79-81\"/>"),
            std::string::npos)
      << r.out;
  std::string path = temp_path("stdout");
  write_file(path, r.out);
  expect_valid_xml(path);
  ::unlink(path.c_str());
}

TEST(ScanXml, FileBesideJsonRecords) {
  NBC_REQUIRE_NETNS();
  Listener http("127.0.0.1", 80);
  ASSERT_TRUE(http.ok());
  std::string path = temp_path("json");
  // nmap's spelling glued to its file name works too.
  RunResult r = scan({"127.0.0.1", "-p", "80,81", "--json", "-oX" + path, "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(by_probe(json_records(r.out)).size(), 2u) << r.out;
  std::string doc = read_file(path);
  EXPECT_NE(doc.find("portid=\"80\"><state state=\"open\""), std::string::npos) << doc;
  EXPECT_NE(doc.find("portid=\"81\"><state state=\"closed\" reason=\"conn-refused\""),
            std::string::npos)
      << doc;
  expect_valid_xml(path);
  ::unlink(path.c_str());
}

TEST(ScanXml, UnwritableDestinationsAreRefusedBeforeAnyProbe) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  std::string port = std::to_string(listener.port());
  std::string missing_dir = "/nonexistent-nbconnect-dir/out.xml";
  expect_usage_error(scan({"127.0.0.1", "-p", port, "-oX", missing_dir}), missing_dir);
  EXPECT_NE(::access(missing_dir.c_str(), F_OK), 0);
  std::string dir = testing::TempDir();
  expect_usage_error(scan({"127.0.0.1", "-p", port, "-oX", dir}), dir);
  expect_usage_error(scan({"127.0.0.1", "-p", port, "--xml", "--json"}), "--json");
  expect_usage_error(scan({"127.0.0.1", "-p", port, "-oX", "-", "--csv"}), "--csv");
  expect_usage_error(scan({"127.0.0.1", "-p", port, "--xml", "-oX", "x.xml"}), "x.xml");
  // Had the target been probed, its handshake would wait in the accept queue.
  pollfd p{listener.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "a connection was made";
}

TEST(ScanXml, AnInterruptedScanStillWritesAWholeDocumentSayingSo) {
  NBC_REQUIRE_NETNS();
  NBC_REQUIRE_IPTABLES("-A INPUT -d 127.0.0.2 -p tcp -j DROP");
  LiveProgram p({NBC_PROGRAM, "scan", "127.0.0.1", "127.0.0.2", "-p", "1-300", "-t", "5s",
                 "--retries", "0", "--no-progress", "--xml"});
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(p.read_until(syn_sent_to_dropped_host, std::chrono::seconds(10))) << p.err;
  p.signal(SIGINT);
  ASSERT_TRUE(p.finish(std::chrono::seconds(10))) << "still running 10 s after the signal";
  EXPECT_EQ(p.exit_code, 130) << p.err;
  EXPECT_TRUE(p.out.ends_with("</nmaprun>\n")) << p.out;
  EXPECT_NE(p.out.find("exit=\"error\" errormsg=\"interrupted by SIGINT: "), std::string::npos)
      << p.out;
  // What finished is in it (how much depends on when the signal came): the hosts with a
  // finished probe, the summary's counts.
  EXPECT_NE(p.out.find("<hosts up="), std::string::npos) << p.out;
  std::string path = temp_path("interrupted");
  write_file(path, p.out);
  expect_valid_xml(path);
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace nbc::test
