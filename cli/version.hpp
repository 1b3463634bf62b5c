// `nbconnect --version`: the version, the git revision it was built from, and the features
// compiled in and usable on this machine.
#pragma once

#include <string>

namespace nbc::cli {

std::string version_text();

}  // namespace nbc::cli
