// The man page nbconnect(1), built from docs/nbconnect.1.scd: it renders without a warning, and it
// documents every option the program accepts (the list comes from the program's own option
// definitions, `nbconnect completion options`), so that page and program cannot drift apart.
#include <fstream>
#include <sstream>

#include "cli/cli.hpp"

namespace nbc::test {
namespace {

// The page as built, or "" with the test failed (or skipped, saying why, where scdoc is absent).
std::string built_page() {
  std::ifstream in(NBC_MAN_PAGE);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

#define NBC_REQUIRE_MAN_PAGE()                                                             \
  do {                                                                                     \
    if (!NBC_HAVE_SCDOC) {                                                                 \
      if (std::getenv("CI") != nullptr) FAIL() << "scdoc is missing: run scripts/deps.sh"; \
      GTEST_SKIP() << "scdoc is not installed, so the man page was not built "             \
                      "(scripts/deps.sh installs it)";                                     \
    }                                                                                      \
  } while (0)

TEST(ManPage, RendersWithoutWarnings) {
  NBC_REQUIRE_MAN_PAGE();
  ASSERT_FALSE(built_page().empty()) << NBC_MAN_PAGE << " is missing or empty";
  auto r = run_program({"/bin/sh", "-c", "man --warnings -l \"$0\" > /dev/null", NBC_MAN_PAGE});
  EXPECT_EQ(r.exit_code, 0) << r.output();
  EXPECT_EQ(r.err, "") << "man --warnings:\n" << r.err;
}

TEST(ManPage, DocumentsEveryOptionTheProgramAccepts) {
  NBC_REQUIRE_MAN_PAGE();
  std::string page = built_page();
  ASSERT_FALSE(page.empty()) << NBC_MAN_PAGE << " is missing or empty";
  auto listed = nbconnect({"completion", "options"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto lines = lines_of(listed.out);
  ASSERT_GT(lines.size(), 40u) << listed.out;  // the list is the real one, not an empty answer
  for (const std::string& line : lines) {
    std::string command = line.substr(0, line.find(' '));
    std::string name = line.substr(line.find(' ') + 1);
    // Options are set in bold where the page documents them: \fB--timeout\fR.
    EXPECT_NE(page.find("\\fB" + name + "\\fR"), std::string::npos)
        << "nbconnect(1) does not document " << command << " " << name
        << ": add it to docs/nbconnect.1.scd as *" << name << "*";
    if (command != "nbconnect") {
      EXPECT_NE(page.find("\\fB" + command + "\\fR"), std::string::npos) << command;
    }
  }
}

}  // namespace
}  // namespace nbc::test
