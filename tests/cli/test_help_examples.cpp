// Every subcommand's --help ends with an Examples section of three or four real command lines,
// as curl's and nmap's do.
#include "cli/cli.hpp"

namespace nbc::test {
namespace {

TEST(HelpExamples, EverySubcommandsHelpEndsWithExamples) {
  for (std::string sub : {"check", "scan", "wait", "ping", "lab"}) {
    auto r = nbconnect({sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub << ": " << r.err;
    std::size_t at = r.out.rfind("\nExamples:\n");
    ASSERT_NE(at, std::string::npos) << sub << " --help has no Examples section:\n" << r.out;
    auto lines = lines_of(r.out.substr(at + 11));
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    EXPECT_GE(lines.size(), 3u) << sub << ":\n" << r.out;
    EXPECT_LE(lines.size(), 4u) << sub << ":\n" << r.out;
    for (const std::string& line : lines) {
      // Each one runs this subcommand (check may be written without its name).
      bool runs_it = line.starts_with("  nbconnect " + sub + " ") || line == "  nbconnect " + sub ||
                     (sub == "check" && line.starts_with("  nbconnect "));
      EXPECT_TRUE(runs_it) << sub << ": not an example of it: " << line;
    }
  }
}

}  // namespace
}  // namespace nbc::test
