// Options before the subcommand name, and the implied `check` (command_line.hpp).
#include "command_line.hpp"

#include <cstring>
#include <string>

namespace nbc::cli {
namespace {

bool takes_value(const CLI::Option& option) {
  return option.get_type_size_min() > 0 && option.get_items_expected_min() > 0;
}

// The index of the first word from 1 on that is neither an option of `sub` nor the value of one
// (args.size() when there is none). "--name=value", "-tVALUE" and "-vq" (flags together) count.
std::size_t skip_options(const CLI::App& sub, const std::vector<char*>& args) {
  std::size_t i = 1;
  while (i < args.size()) {
    std::string word = args[i];
    if (word.size() < 2 || word[0] != '-' || word == "--") return i;
    bool value_follows = false;
    if (word[1] == '-') {
      std::size_t eq = word.find('=');
      const CLI::Option* option = sub.get_option_no_throw(word.substr(0, eq));
      if (option == nullptr) return i;
      value_follows = eq == std::string::npos && takes_value(*option);
    } else {
      // -abc: flags a and b, then c; the first letter that takes a value takes the rest.
      for (std::size_t k = 1; k < word.size(); ++k) {
        const CLI::Option* option = sub.get_option_no_throw(std::string("-") + word[k]);
        if (option == nullptr) return i;
        if (takes_value(*option)) {
          value_follows = k + 1 == word.size();
          break;
        }
      }
    }
    i += value_follows ? 2 : 1;
  }
  return args.size();
}

}  // namespace

bool is_subcommand_name(const CLI::App& app, const char* word) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == word) return true;
  }
  return false;
}

void normalize_command_line(const CLI::App& app, const std::vector<Subcommand>& subcommands,
                            std::vector<char*>& args) {
  // A subcommand whose name comes right after words that are all its own options: those words
  // move after the name. The first subcommand for which that holds wins.
  for (const Subcommand& sub : subcommands) {
    std::size_t at = skip_options(sub.options(), args);
    if (at == 1 || at >= args.size() || sub.app->get_name() != args[at]) continue;
    char* name = args[at];
    args.erase(args.begin() + static_cast<std::ptrdiff_t>(at));
    args.insert(args.begin() + 1, name);
    return;
  }
  // `nbconnect HOST PORT` (with or without options) is `nbconnect check HOST PORT`; words the
  // program itself answers (-h, --version) stay its own.
  if (args.size() >= 2 && !is_subcommand_name(app, args[1]) &&
      app.get_option_no_throw(args[1]) == nullptr) {
    static char check_word[] = "check";
    args.insert(args.begin() + 1, check_word);
  }
}

}  // namespace nbc::cli
