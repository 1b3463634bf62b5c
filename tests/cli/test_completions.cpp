// The shell completions, generated from the program's option definitions: the bash one is sourced
// in a real bash and asked what it offers for a few prefixes; the build wrote the same scripts
// the program prints.
#include <fstream>
#include <sstream>

#include "cli/cli.hpp"

namespace nbc::test {
namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What the bash completion offers after the words (the last one is the word being completed).
std::string bash_offers(const std::vector<std::string>& words) {
  std::string array = "nbconnect";
  for (const std::string& w : words) array += " '" + w + "'";
  std::string script = "source \"$0\" && COMP_WORDS=(" + array +
                       ") && COMP_CWORD=" + std::to_string(words.size()) +
                       " && _nbconnect && echo \"${COMPREPLY[*]}\"";
  auto r = run_program(
      {"/bin/bash", "--norc", "-c", script, std::string(NBC_COMPLETIONS_DIR) + "/bash/nbconnect"},
      std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 0) << r.output();
  EXPECT_EQ(r.err, "");
  return r.out.empty() ? r.out : r.out.substr(0, r.out.size() - 1);
}

TEST(Completions, BashCompletesSubcommandsOptionsAndValues) {
  EXPECT_EQ(bash_offers({"sc"}), "scan");
  EXPECT_EQ(bash_offers({"scan", "--ord"}), "--order");
  EXPECT_EQ(bash_offers({"scan", "--order", ""}), "random serial");
  EXPECT_EQ(bash_offers({"scan", "--order", "s"}), "serial");
  EXPECT_EQ(bash_offers({"check", "--method", ""}), "so-error getpeername reconnect zero-read");
  EXPECT_EQ(bash_offers({"ping", "--backend", "e"}), "epoll");
  EXPECT_EQ(bash_offers({"ping", "--inter"}), "--interval");
  EXPECT_EQ(bash_offers({"wait", "--attempt"}), "--attempt-timeout");
  // An option written before the subcommand, and a value nobody can guess.
  EXPECT_EQ(bash_offers({"--json", "pi"}), "ping");
  EXPECT_EQ(bash_offers({"ping", "-c", ""}), "");
  EXPECT_EQ(bash_offers({"lab", "--scenario", "syn-d"}), "syn-dropped");
  // -T0..-T5 once scan has it.
  auto options = nbconnect({"completion", "options"});
  if (options.out.find("scan -T\n") != std::string::npos) {
    EXPECT_EQ(bash_offers({"scan", "-T", ""}), "0 1 2 3 4 5");
  }
}

TEST(Completions, BuiltFilesAreWhatTheProgramPrints) {
  for (auto [shell, file] :
       {std::pair{"bash", "bash/nbconnect"}, std::pair{"zsh", "zsh/_nbconnect"},
        std::pair{"fish", "fish/nbconnect.fish"}}) {
    auto r = nbconnect({"completion", shell});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_GT(r.out.size(), 500u) << shell;
    EXPECT_EQ(file_text(std::string(NBC_COMPLETIONS_DIR) + "/" + file), r.out) << shell;
    // Every subcommand is in it, and so is every value of --order.
    for (const char* word : {"check", "scan", "wait", "ping", "lab", "random", "serial"}) {
      EXPECT_NE(r.out.find(word), std::string::npos) << shell << " lacks " << word;
    }
  }
  expect_usage_error(nbconnect({"completion", "tcsh"}), "tcsh");
}

TEST(Completions, ZshAndFishScriptsParse) {
  for (auto [shell, file] :
       {std::pair{"zsh", "zsh/_nbconnect"}, std::pair{"fish", "fish/nbconnect.fish"}}) {
    std::string program = sandbox::find_program(shell);
    if (program.empty()) {
      std::printf("[ note     ] %s is not installed: its completion is not syntax-checked\n",
                  shell);
      continue;
    }
    auto r = run_program({program, "-n", std::string(NBC_COMPLETIONS_DIR) + "/" + file});
    EXPECT_EQ(r.exit_code, 0) << shell << ": " << r.output();
  }
}

// What fish offers for a command line (fish's own `complete -C`), the candidates alone.
std::string fish_offers(const std::string& program, const std::string& line) {
  auto r = run_program({program, "--no-config", "-c",
                        "source $argv[1]; complete -C $argv[2] | string replace -r '\\t.*' ''",
                        std::string(NBC_COMPLETIONS_DIR) + "/fish/nbconnect.fish", line},
                       std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 0) << r.output();
  return r.out;
}

TEST(Completions, FishCompletesSubcommandsOptionsAndValues) {
  std::string fish = sandbox::find_program("fish");
  if (fish.empty()) {
    if (std::getenv("CI") != nullptr) FAIL() << "fish is missing: run scripts/deps.sh";
    GTEST_SKIP() << "fish is not installed (scripts/deps.sh installs it)";
  }
  EXPECT_EQ(fish_offers(fish, "nbconnect sc"), "scan\n");
  EXPECT_EQ(fish_offers(fish, "nbconnect scan --ord"), "--order\n");
  EXPECT_EQ(fish_offers(fish, "nbconnect scan --order "), "random\nserial\n");
  EXPECT_EQ(fish_offers(fish, "nbconnect ping --backend "), "epoll\npoll\nselect\nuring\n");
}

}  // namespace
}  // namespace nbc::test
