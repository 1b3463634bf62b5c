// Every socket a dial holds, c-ares' included, is close-on-exec: a program that forks and execs
// while a lookup runs hands none of them to the child.
#include <fcntl.h>
#include <sys/stat.h>

#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

// Sockets of this process that a child would inherit across exec.
std::vector<int> inheritable_sockets() {
  std::vector<int> found;
  for (int fd = 0; fd < 1024; ++fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC)) found.push_back(fd);
  }
  return found;
}

TEST(DialerCloexec, ResolverAndAttemptSocketsAreCloseOnExec) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  dns.set("mute.test", {.silent = true});
  dns.set("v4.test", {.a = {"127.0.0.1"}});
  Listener target("127.0.0.1");
  ASSERT_TRUE(blackhole_ipv4(target.port()));
  std::vector<int> before = inheritable_sockets();

  Dialer dialer;
  DialOptions o = options_for(dns.address());
  o.dns_timeout = std::chrono::seconds(5);
  bool resolved = false;
  dialer.dial(name_port("mute.test", 80), o, [](DialResult) {});
  dialer.resolve(name_port("v4.test", 80), o, [&](Resolution) { resolved = true; });
  dialer.dial(name_port("127.0.0.1", target.port()), o, [](DialResult) {});
  // Bounded: the resolution answers at once; the other two stay pending until cancelled.
  for (int i = 0; i < 50 && !resolved; ++i) dialer.run_once(Ms(20));
  ASSERT_TRUE(resolved);
  EXPECT_EQ(dialer.pending(), 2u);  // a query and a connect in flight now
  EXPECT_EQ(inheritable_sockets(), before);
}

}  // namespace
}  // namespace nbc::test
