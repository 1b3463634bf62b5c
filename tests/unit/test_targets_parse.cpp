// Scan target words: addresses, CIDR blocks, nmap-style ranges, names, HOST:PORT.
#include <gtest/gtest.h>

#include <set>

#include "nbconnect/scan_targets.hpp"

namespace nbc {
namespace {

std::vector<std::string> addresses(const TargetSpec& spec) {
  std::vector<std::string> out;
  spec.for_each([&](const Endpoint& e) { out.push_back(e.address()); });
  return out;
}

TEST(TargetSpec, Ipv4CidrIsMaskedAndEnumerated) {
  auto spec = parse_target_spec("10.1.2.77/30");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->kind, TargetSpec::cidr);
  EXPECT_EQ(spec->count(), 4u);
  EXPECT_EQ(addresses(*spec),
            (std::vector<std::string>{"10.1.2.76", "10.1.2.77", "10.1.2.78", "10.1.2.79"}));
  EXPECT_TRUE(spec->contains(*parse_ip("10.1.2.79")));
  EXPECT_FALSE(spec->contains(*parse_ip("10.1.2.80")));
  EXPECT_EQ(parse_target_spec("10.0.0.0/16")->count(), 65536u);
  EXPECT_EQ(parse_target_spec("10.0.0.1/32")->count(), 1u);
}

TEST(TargetSpec, Ipv6Cidr) {
  auto spec = parse_target_spec("2001:db8::5/126");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(addresses(*spec),
            (std::vector<std::string>{"2001:db8::4", "2001:db8::5", "2001:db8::6", "2001:db8::7"}));
  EXPECT_EQ(parse_target_spec("2001:db8::/112")->count(), 65536u);
}

TEST(TargetSpec, OversizedBlocksAreRefusedWithTheWord) {
  for (const char* bad : {"10.0.0.0/8", "0.0.0.0/0", "2001:db8::/64", "10.0.0.0/15"}) {
    auto spec = parse_target_spec(bad);
    ASSERT_FALSE(spec) << bad;
    EXPECT_NE(spec.error().message.find(bad), std::string::npos) << spec.error().message;
    EXPECT_NE(spec.error().message.find("too large"), std::string::npos);
  }
}

TEST(TargetSpec, NmapRanges) {
  auto spec = parse_target_spec("10.0.1-2.5,7");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->kind, TargetSpec::range);
  EXPECT_EQ(addresses(*spec),
            (std::vector<std::string>{"10.0.1.5", "10.0.1.7", "10.0.2.5", "10.0.2.7"}));
  EXPECT_EQ(parse_target_spec("10.0.0.1-20")->count(), 20u);
  EXPECT_EQ(parse_target_spec("10.0.0.*")->count(), 256u);
  EXPECT_EQ(parse_target_spec("10.0.0.-")->count(), 256u);
  EXPECT_TRUE(parse_target_spec("10.0.0.250-")->contains(*parse_ip("10.0.0.255")));
}

TEST(TargetSpec, BadRangesAreNamed) {
  for (const char* bad : {"10.0.0.1-300", "10.0.0.9-2", "10.0.0.1-2-3", "10.0-1.1", "10.0.0.01-5",
                          "10.0.0.1,,2", "10.*.*.*"}) {
    auto spec = parse_target_spec(bad);
    ASSERT_FALSE(spec) << bad;
    EXPECT_EQ(spec.error().message.find('\n'), std::string::npos);
  }
}

TEST(TargetSpec, AddressesNamesAndPorts) {
  auto a = parse_target_spec("192.0.2.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, TargetSpec::address);
  EXPECT_FALSE(a->port);
  auto hp = parse_target_spec("192.0.2.1:8080");
  ASSERT_TRUE(hp);
  EXPECT_EQ(*hp->port, 8080);
  EXPECT_EQ(hp->host, "192.0.2.1");
  auto v6 = parse_target_spec("[2001:db8::1]:443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(*v6->port, 443);
  EXPECT_EQ(v6->base.address(), "2001:db8::1");
  auto bare = parse_target_spec("2001:db8::1");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->port);  // an unbracketed IPv6 literal never carries a port
  auto name = parse_target_spec("db.example.com:5432");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->kind, TargetSpec::name);
  EXPECT_EQ(name->host, "db.example.com");
  EXPECT_EQ(*name->port, 5432);
  for (const char* bad :
       {"", "10.0.0.256", "010.0.0.1", "host:0", "host:", "[::1", "[::1]x", "a..b", "1.2.3"}) {
    EXPECT_FALSE(parse_target_spec(bad)) << bad;
  }
}

}  // namespace
}  // namespace nbc
