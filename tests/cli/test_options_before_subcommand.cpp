// Options written before the subcommand name (docs/outcomes.md, "The command line in short"):
// `nbconnect --json check H P` is `nbconnect check --json H P`, for every subcommand, with options
// that take a value too.
#include "cli/cli.hpp"

namespace nbc::test {
namespace {

TEST(OptionsBeforeSubcommand, JsonBeforeCheck) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  auto r = nbconnect({"--json", "check", "127.0.0.1", std::to_string(listener.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["state"], "open");
  EXPECT_EQ(j["port"], listener.port());
}

TEST(OptionsBeforeSubcommand, OptionsWithValuesBeforeCheck) {
  NBC_REQUIRE_NETNS();
  std::uint16_t port = closed_port();
  // "-t 2s" (a value in the next word), "--method=getpeername" and "-4v" (flags together).
  auto r = nbconnect(
      {"-t", "2s", "--method=getpeername", "-4v", "check", "127.0.0.1", std::to_string(port)});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("closed"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("connect("), std::string::npos) << "-v gave no trace: " << r.err;
}

TEST(OptionsBeforeSubcommand, VerboseBeforeScan) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  auto r = nbconnect({"-v", "--json", "scan", "127.0.0.1", "-p", std::to_string(listener.port()),
                      "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"state\":\"open\""), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("connect("), std::string::npos) << "-v gave no trace: " << r.err;
}

TEST(OptionsBeforeSubcommand, CountBeforePingAndQuietBeforeWait) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  std::string target = "127.0.0.1:" + std::to_string(listener.port());
  auto ping = nbconnect({"-c", "1", "--json", "ping", target});
  EXPECT_EQ(ping.exit_code, 0) << ping.err;
  EXPECT_EQ(lines_of(ping.out).size(), 2u) << ping.out;  // one probe and the summary
  auto wait = nbconnect({"-q", "-t", "5s", "wait", target, "--", "echo", "up"});
  EXPECT_EQ(wait.exit_code, 0) << wait.err;
  EXPECT_EQ(wait.out, "up\n");
  EXPECT_EQ(wait.err, "");
}

TEST(OptionsBeforeSubcommand, HelpBeforeSubcommandIsTheSubcommandsHelp) {
  auto r = nbconnect({"-h", "ping"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--interval"), std::string::npos) << r.out;
}

TEST(OptionsBeforeSubcommand, BareHostPortIsStillCheck) {
  NBC_REQUIRE_NETNS();
  std::uint16_t port = closed_port();
  auto r = nbconnect({"--json", "127.0.0.1", std::to_string(port)});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["state"], "closed");
  // An unknown option before a subcommand name is still named as the bad word.
  expect_usage_error(nbconnect({"--bogus", "check", "127.0.0.1", "80"}), "--bogus");
}

}  // namespace
}  // namespace nbc::test
