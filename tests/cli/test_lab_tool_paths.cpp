// The lab runs its tools (iptables, nft, ip) from the fixed system directories, never from $PATH:
// a fake iptables first on PATH is not executed.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "cli/cli.hpp"

namespace nbc::test {
namespace {

TEST(LabToolPaths, FakeToolOnPathIsNotRun) {
  NBC_REQUIRE_NETNS();
  std::string dir = testing::TempDir() + "nbconnect_fake_path";
  std::string marker = dir + "/ran";
  ::mkdir(dir.c_str(), 0755);
  std::remove(marker.c_str());
  for (const char* tool : {"iptables", "ip6tables", "nft", "ip"}) {
    std::string path = dir + "/" + tool;
    {
      std::ofstream f(path);
      f << "#!/bin/sh\necho \"$0\" >> '" << marker << "'\nexit 1\n";
    }
    ::chmod(path.c_str(), 0755);
  }
  const char* old_path = std::getenv("PATH");
  std::string path = "PATH=" + dir + ":" + (old_path ? old_path : "/usr/bin:/bin");
  RunResult r = run_program({"/usr/bin/env", path, NBC_PROGRAM, "lab", "--json", "--scenario",
                             "syn-dropped", "no-route", "--firewall", "iptables"},
                            std::chrono::seconds(60));
  EXPECT_FALSE(r.timed_out);
  std::ifstream ran(marker);
  std::string which((std::istreambuf_iterator<char>(ran)), std::istreambuf_iterator<char>());
  EXPECT_EQ(which, "") << "the lab ran a program found on PATH";
  std::remove(marker.c_str());
}

}  // namespace
}  // namespace nbc::test
