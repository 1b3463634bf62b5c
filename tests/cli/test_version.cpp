// `nbconnect --version`: the version, the git revision the build came from, and the features
// compiled in and usable here.
#include <fstream>
#include <regex>
#include <sstream>

#include "cli/cli.hpp"

namespace nbc::test {
namespace {

// The revision the build read (cmake/git_revision.cmake writes it at every build).
std::string built_revision() {
  std::ifstream in(NBC_GIT_REVISION_HEADER);
  std::stringstream text;
  text << in.rdbuf();
  std::string header = text.str();
  std::size_t open = header.find("NBC_GIT_REVISION \"");
  if (open == std::string::npos) return "(no revision in " NBC_GIT_REVISION_HEADER ")";
  open += 18;
  return header.substr(open, header.find('"', open) - open);
}

TEST(Version, NamesVersionRevisionAndFeatures) {
  auto r = nbconnect({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 4u) << r.out;
  std::string revision = built_revision();
  EXPECT_EQ(lines[0], "nbconnect 0.1.0 (git " + revision + ")");
  // A checkout names its commit (abbreviated hash, maybe -dirty); elsewhere "unknown".
  EXPECT_TRUE(revision == "unknown" ||
              std::regex_match(revision, std::regex(R"(([\w.-]+-g)?[0-9a-f]{7,}(-dirty)?)")))
      << revision;
  EXPECT_NE(r.out.find("\nbackends usable here: epoll poll select"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nio_uring connect: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nc-ares: 1."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nTLS checks: OpenSSL 3."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("patterns: PCRE2 10."), std::string::npos) << r.out;
  // The io_uring line says what this kernel allows, as the uring backend finds it.
  bool usable = r.out.find(" uring\n") != std::string::npos;
  bool compiled = r.out.find("io_uring connect: compiled in") != std::string::npos;
  if (compiled) {
    EXPECT_NE(r.out.find(usable ? "available on this kernel" : "not available on this kernel"),
              std::string::npos)
        << r.out;
  } else {
    EXPECT_FALSE(usable) << r.out;
  }
}

}  // namespace
}  // namespace nbc::test
