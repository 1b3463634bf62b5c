// Uses the installed headers and library: parse, format and classify (sends no traffic).
#include <nbconnect/nbconnect.hpp>

#include <cerrno>
#include <cstdio>

int main() {
  auto ep = nbc::parse_ip("::1", 8080);
  if (!ep || ep->to_string() != "[::1]:8080") return 1;
  if (nbc::classify_errno(ECONNREFUSED).state != nbc::State::closed) return 2;
  std::puts("consumer ok");
  return 0;
}
