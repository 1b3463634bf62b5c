// Inside the lab module: the small Markdown helpers that the report's parts share (report.cpp for
// TCP, report_families.cpp for UNIX and UDP).
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "lab/lab.hpp"

namespace nbc::lab {

inline std::string str(const Record& j, std::string_view key, std::string fallback = {}) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

// Markdown table cells may not contain a bare '|'.
inline std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else
      out += c;
  }
  return out;
}

inline std::string ms_text(double us) {
  if (us < 1000.0) return fmt::format("{:.0f} µs", us);
  return fmt::format("{:.1f} ms", us / 1000.0);
}

inline void table_row(std::string& out, const std::vector<std::string>& cells) {
  out += "|";
  for (const std::string& c : cells) out += " " + c + " |";
  out += "\n";
}

inline void table_head(std::string& out, const std::vector<std::string>& cells) {
  table_row(out, cells);
  out += "|";
  for (size_t i = 0; i < cells.size(); ++i) out += "---|";
  out += "\n";
}

// The UNIX and UDP sections of the report (report_families.cpp), after the TCP ones.
void render_families(std::string& out, const std::vector<const Record*>& ran);
// Their part of the recipe.
extern const char* const kFamiliesRecipe;

}  // namespace nbc::lab
