// `nbconnect --version`: the version, the git revision the build came from, and the features
// compiled in and usable here.
#include "cli/cli.hpp"

namespace nbc::test {
namespace {

TEST(Version, NamesVersionRevisionAndFeatures) {
  auto r = nbconnect({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[0], std::string("nbconnect 0.1.0 (git ") + NBC_GIT_REVISION + ")");
  EXPECT_NE(r.out.find("\nbackends usable here: epoll poll select"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nio_uring connect: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nc-ares: 1."), std::string::npos) << r.out;
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
