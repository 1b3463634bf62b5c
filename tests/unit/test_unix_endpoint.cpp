// UNIX-domain endpoints: "unix:/path" and "unix:@name" parsed into sockaddr_un, printed back,
// compared, and refused when they cannot fit sun_path (issue 11).
#include <gtest/gtest.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "nbconnect/endpoint.hpp"

namespace nbc {
namespace {

TEST(ParseUnix, PathRoundTrips) {
  auto ep = parse_unix("unix:/run/postgresql/.s.PGSQL.5432");
  ASSERT_TRUE(ep.has_value()) << ep.error().message;
  EXPECT_EQ(ep->family(), Family::unix_domain);
  EXPECT_EQ(ep->af(), AF_UNIX);
  EXPECT_EQ(ep->address(), "/run/postgresql/.s.PGSQL.5432");
  EXPECT_EQ(ep->to_string(), "unix:/run/postgresql/.s.PGSQL.5432");
  EXPECT_EQ(ep->port(), 0);
  EXPECT_FALSE(ep->is_loopback());
  const auto* un = reinterpret_cast<const sockaddr_un*>(ep->data());
  EXPECT_STREQ(un->sun_path, "/run/postgresql/.s.PGSQL.5432");
  EXPECT_EQ(ep->size(), offsetof(sockaddr_un, sun_path) + std::strlen(un->sun_path) + 1);
}

TEST(ParseUnix, AbstractNameStartsWithNulAndHasNoTerminator) {
  auto ep = parse_unix("unix:@my-daemon");
  ASSERT_TRUE(ep.has_value());
  const auto* un = reinterpret_cast<const sockaddr_un*>(ep->data());
  EXPECT_EQ(un->sun_path[0], '\0');
  EXPECT_EQ(std::string(un->sun_path + 1, 9), "my-daemon");
  EXPECT_EQ(ep->size(), offsetof(sockaddr_un, sun_path) + 1 + 9);
  EXPECT_EQ(ep->address(), "@my-daemon");
  EXPECT_EQ(ep->to_string(), "unix:@my-daemon");
}

TEST(ParseUnix, RelativePathsAreAccepted) {
  auto ep = parse_unix("unix:./s.sock");
  ASSERT_TRUE(ep.has_value());
  EXPECT_EQ(ep->address(), "./s.sock");
}

TEST(ParseUnix, LongestPathFitsAndOneMoreByteIsRefused) {
  std::string longest(107, 'a');
  EXPECT_TRUE(parse_unix("unix:/" + longest.substr(1)).has_value());
  auto too_long = parse_unix("unix:/" + longest);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_NE(too_long.error().message.find("108 bytes, longer than the 107"), std::string::npos)
      << too_long.error().message;
}

TEST(ParseUnix, EmptyAndNulAreRefused) {
  EXPECT_FALSE(parse_unix("unix:").has_value());
  EXPECT_FALSE(parse_unix("unix:@").has_value());
  EXPECT_FALSE(parse_unix(std::string("unix:/a\0b", 9)).has_value());
  EXPECT_FALSE(parse_unix("/run/x.sock").has_value());
}

TEST(ParseUnix, EqualityComparesTheWholeName) {
  EXPECT_EQ(*parse_unix("unix:/a"), *parse_unix("unix:/a"));
  EXPECT_FALSE(*parse_unix("unix:/a") == *parse_unix("unix:/b"));
  EXPECT_FALSE(*parse_unix("unix:@a") == *parse_unix("unix:/a"));
}

TEST(ParseHostPort, AcceptsUnixTargets) {
  auto hp = parse_host_port("unix:/var/run/docker.sock");
  ASSERT_TRUE(hp.has_value());
  EXPECT_EQ(hp->host, "unix:/var/run/docker.sock");
  ASSERT_TRUE(hp->literal.has_value());
  EXPECT_EQ(hp->literal->family(), Family::unix_domain);
  EXPECT_EQ(hp->to_string(), "unix:/var/run/docker.sock");
  EXPECT_FALSE(parse_host_and_port("unix:/x", "80").has_value());
}

TEST(Protocol, Names) {
  EXPECT_EQ(to_string(Protocol::tcp), "tcp");
  EXPECT_EQ(to_string(Protocol::udp), "udp");
  EXPECT_EQ(to_string(Family::unix_domain), "unix");
}

}  // namespace
}  // namespace nbc
