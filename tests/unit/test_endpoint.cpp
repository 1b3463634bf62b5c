// Strict address, port, host and target parsing; Endpoint formatting and comparison.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "nbconnect/endpoint.hpp"

using nbc::Endpoint;
using nbc::Family;
using namespace std::string_view_literals;

namespace {

// The error message of a failed parse, or a marker when it unexpectedly succeeded.
template <typename T>
std::string message_of(const nbc::Parsed<T>& parsed) {
  return parsed ? std::string("<parsed successfully>") : parsed.error().message;
}

template <typename T>
std::string word_of(const nbc::Parsed<T>& parsed) {
  return parsed ? std::string("<parsed successfully>") : parsed.error().word;
}

// The word as messages quote it: control bytes escaped as \xHH.
std::string quoted(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool one_line(const std::string& s) {
  return s.find('\n') == std::string::npos && s.find('\r') == std::string::npos &&
         s.find('\0') == std::string::npos;
}

// Asserts that the parse failed with a one-line message quoting the word and containing `reason`.
template <typename T>
void expect_error(const nbc::Parsed<T>& parsed, std::string_view word, std::string_view reason) {
  ASSERT_FALSE(parsed.has_value()) << "'" << word << "' was accepted";
  const std::string& message = parsed.error().message;
  EXPECT_NE(message.find(quoted(word)), std::string::npos) << message;
  EXPECT_NE(message.find(reason), std::string::npos) << message;
  EXPECT_EQ(parsed.error().word, word);
  EXPECT_TRUE(one_line(message)) << message;
}

const std::string kLong(100000, '1');

}  // namespace

// ---------------------------------------------------------------------------------------------
// IPv4

TEST(ParseIpv4, AcceptsDottedQuads) {
  for (std::string_view text :
       {"0.0.0.0", "127.0.0.1", "255.255.255.255", "10.0.0.1", "1.2.3.4", "192.168.100.200"}) {
    auto ep = nbc::parse_ipv4(text, 80);
    ASSERT_TRUE(ep) << text << ": " << message_of(ep);
    EXPECT_EQ(ep->family(), Family::ipv4);
    EXPECT_EQ(ep->af(), AF_INET);
    EXPECT_EQ(ep->port(), 80);
    EXPECT_EQ(ep->address(), text);
    EXPECT_EQ(ep->size(), sizeof(sockaddr_in));
  }
}

TEST(ParseIpv4, StoresAddressAndPortInNetworkByteOrder) {
  auto ep = nbc::parse_ipv4("1.2.3.4", 0x1234);
  ASSERT_TRUE(ep);
  const auto* sin = reinterpret_cast<const sockaddr_in*>(ep->data());
  EXPECT_EQ(sin->sin_family, AF_INET);
  EXPECT_EQ(sin->sin_port, htons(0x1234));
  EXPECT_EQ(sin->sin_addr.s_addr, htonl(0x01020304));
}

TEST(ParseIpv4, RejectsLeadingZerosAsOctal) {
  expect_error(nbc::parse_ipv4("010.0.0.1"), "010.0.0.1", "leading zero in part '010'");
  expect_error(nbc::parse_ipv4("1.2.3.00"), "1.2.3.00", "leading zero in part '00'");
  EXPECT_EQ(message_of(nbc::parse_ipv4("010.0.0.1")),
            "invalid IPv4 address '010.0.0.1': leading zero in part '010'");
}

TEST(ParseIpv4, RejectsShortForms) {
  expect_error(nbc::parse_ipv4("1.2.3"), "1.2.3", "expected 4 parts, found 3");
  expect_error(nbc::parse_ipv4("127.1"), "127.1", "short forms");
  expect_error(nbc::parse_ipv4("2130706433"), "2130706433", "found 1");
  expect_error(nbc::parse_ipv4("1.2.3.4.5"), "1.2.3.4.5", "expected 4 parts, found 5");
}

TEST(ParseIpv4, RejectsHexParts) {
  expect_error(nbc::parse_ipv4("0x7f.0.0.1"), "0x7f.0.0.1", "hexadecimal part '0x7f'");
  expect_error(nbc::parse_ipv4("1.2.3.0XFF"), "1.2.3.0XFF", "hexadecimal part '0XFF'");
}

TEST(ParseIpv4, RejectsEmptyParts) {
  expect_error(nbc::parse_ipv4("1.2.3.4."), "1.2.3.4.", "trailing '.'");
  expect_error(nbc::parse_ipv4(".1.2.3.4"), ".1.2.3.4", "leading '.'");
  expect_error(nbc::parse_ipv4("1..2.3"), "1..2.3", "empty part");
  expect_error(nbc::parse_ipv4("..."), "...", "leading '.'");
}

TEST(ParseIpv4, RejectsOutOfRangeParts) {
  expect_error(nbc::parse_ipv4("256.1.1.1"), "256.1.1.1", "part '256' is greater than 255");
  expect_error(nbc::parse_ipv4("1.1.1.99999999999999999999"), "1.1.1.99999999999999999999",
               "greater than 255");
}

TEST(ParseIpv4, RejectsSignsSpacesAndJunk) {
  expect_error(nbc::parse_ipv4(""), "", "empty");
  expect_error(nbc::parse_ipv4(" 1.2.3.4"), " 1.2.3.4", "whitespace");
  expect_error(nbc::parse_ipv4("1.2.3.4 "), "1.2.3.4 ", "whitespace");
  expect_error(nbc::parse_ipv4("+1.2.3.4"), "+1.2.3.4", "sign in part '+1'");
  expect_error(nbc::parse_ipv4("1.2.-3.4"), "1.2.-3.4", "sign in part '-3'");
  expect_error(nbc::parse_ipv4("1.2.3.a"), "1.2.3.a", "part 'a' is not a decimal number");
  expect_error(nbc::parse_ipv4("1.2.3.4:80"), "1.2.3.4:80", "not a decimal number");
  expect_error(nbc::parse_ipv4("١.2.3.4"), "١.2.3.4", "not a decimal number");
}

TEST(ParseIpv4, RejectsEmbeddedNulWithEscapedWord) {
  const std::string_view text("1.2.3.4\0junk", 12);
  auto ep = nbc::parse_ipv4(text);
  ASSERT_FALSE(ep);
  EXPECT_EQ(ep.error().word, std::string(text));
  EXPECT_NE(ep.error().message.find("'1.2.3.4\\x00junk'"), std::string::npos) << ep.error().message;
  EXPECT_TRUE(one_line(ep.error().message));
}

TEST(ParseIpv4, RejectsVeryLongInputWithShortMessage) {
  auto ep = nbc::parse_ipv4(kLong);
  ASSERT_FALSE(ep);
  EXPECT_EQ(ep.error().word, kLong);
  EXPECT_LT(ep.error().message.size(), 600u);
  EXPECT_NE(ep.error().message.find("'111"), std::string::npos);
  EXPECT_NE(ep.error().message.find("...'"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// IPv6

TEST(ParseIpv6, AcceptsLiterals) {
  for (std::string_view text : {"::1", "::", "fe80::1", "2001:db8::42", "1:2:3:4:5:6:7:8"}) {
    auto ep = nbc::parse_ipv6(text, 443);
    ASSERT_TRUE(ep) << text << ": " << message_of(ep);
    EXPECT_EQ(ep->family(), Family::ipv6);
    EXPECT_EQ(ep->af(), AF_INET6);
    EXPECT_EQ(ep->port(), 443);
    EXPECT_EQ(ep->scope_id(), 0u);
    EXPECT_EQ(ep->address(), text);
    EXPECT_EQ(ep->size(), sizeof(sockaddr_in6));
  }
}

TEST(ParseIpv6, NormalisesAddressText) {
  auto ep = nbc::parse_ipv6("2001:0DB8:0000::0001");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->address(), "2001:db8::1");
}

TEST(ParseIpv6, AcceptsV4MappedAsIpv6) {
  auto ep = nbc::parse_ipv6("::ffff:127.0.0.1", 80);
  ASSERT_TRUE(ep) << message_of(ep);
  EXPECT_EQ(ep->family(), Family::ipv6);
  EXPECT_TRUE(ep->is_v4_mapped());
  EXPECT_TRUE(ep->is_loopback());
  EXPECT_EQ(ep->address(), "::ffff:127.0.0.1");
  EXPECT_EQ(ep->to_string(), "[::ffff:127.0.0.1]:80");
}

TEST(ParseIpv6, RejectsLeadingZerosInEmbeddedIpv4) {
  EXPECT_FALSE(nbc::parse_ipv6("::ffff:127.0.0.01"));
}

TEST(ParseIpv6, AcceptsNumericScope) {
  auto ep = nbc::parse_ipv6("fe80::1%4294967295");
  ASSERT_TRUE(ep) << message_of(ep);
  EXPECT_EQ(ep->scope_id(), 4294967295u);
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ep->data());
  EXPECT_EQ(sin6->sin6_scope_id, 4294967295u);
}

TEST(ParseIpv6, AcceptsInterfaceNameScope) {
  const unsigned lo = if_nametoindex("lo");
  if (lo == 0) GTEST_SKIP() << "no loopback interface";
  auto ep = nbc::parse_ipv6("fe80::1%lo", 22);
  ASSERT_TRUE(ep) << message_of(ep);
  EXPECT_EQ(ep->scope_id(), lo);
  EXPECT_EQ(ep->address(), "fe80::1%lo");
  EXPECT_EQ(ep->to_string(), "[fe80::1%lo]:22");
}

TEST(ParseIpv6, RejectsScopeProblems) {
  expect_error(nbc::parse_ipv6("fe80::1%"), "fe80::1%", "empty scope");
  expect_error(nbc::parse_ipv6("fe80::1%4294967296"), "fe80::1%4294967296",
               "scope id '4294967296' is too large");
  expect_error(nbc::parse_ipv6("fe80::1%nosuchif0"), "fe80::1%nosuchif0",
               "unknown interface 'nosuchif0'");
  expect_error(nbc::parse_ipv6("fe80::1%averyveryverylonginterfacename"),
               "fe80::1%averyveryverylonginterfacename", "unknown interface");
  expect_error(nbc::parse_ipv6("fe80::1%lo\0x"sv), "fe80::1%lo\0x"sv, "control character");
}

TEST(ParseIpv6, RejectsBracketsAndJunk) {
  expect_error(nbc::parse_ipv6("[::1]"), "[::1]", "brackets");
  expect_error(nbc::parse_ipv6(""), "", "empty");
  expect_error(nbc::parse_ipv6(" ::1"), " ::1", "whitespace");
  expect_error(nbc::parse_ipv6(":::"), ":::", "not a valid IPv6 address");
  expect_error(nbc::parse_ipv6("1:2:3:4:5:6:7:8:9"), "1:2:3:4:5:6:7:8:9", "not a valid");
  expect_error(nbc::parse_ipv6("::g"), "::g", "not a valid");
  expect_error(nbc::parse_ipv6("::1\0::2"sv), "::1\0::2"sv, "control character");
  const std::string long_text = "::" + kLong;
  auto ep = nbc::parse_ipv6(long_text);
  ASSERT_FALSE(ep);
  EXPECT_NE(ep.error().message.find("too long"), std::string::npos);
}

TEST(ParseIp, DispatchesOnColon) {
  auto v4 = nbc::parse_ip("10.1.2.3", 7);
  auto v6 = nbc::parse_ip("::1", 7);
  ASSERT_TRUE(v4);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v4->family(), Family::ipv4);
  EXPECT_EQ(v6->family(), Family::ipv6);
  EXPECT_NE(message_of(nbc::parse_ip("1.2.3")).find("IPv4"), std::string::npos);
  EXPECT_NE(message_of(nbc::parse_ip("1.2:3")).find("IPv6"), std::string::npos);
}

TEST(ParseIp, AddressRoundTrips) {
  for (std::string_view text :
       {"0.0.0.0", "255.255.255.255", "::", "::1", "fe80::1%7", "::ffff:10.0.0.1", "fe80::1%lo"}) {
    auto ep = nbc::parse_ip(text, 1);
    ASSERT_TRUE(ep) << message_of(ep);
    auto again = nbc::parse_ip(ep->address(), 1);
    ASSERT_TRUE(again) << message_of(again);
    EXPECT_EQ(*again, *ep) << text;
  }
}

// ---------------------------------------------------------------------------------------------
// Ports

TEST(ParsePort, AcceptsRange) {
  EXPECT_EQ(nbc::parse_port("1"), 1);
  EXPECT_EQ(nbc::parse_port("80"), 80);
  EXPECT_EQ(nbc::parse_port("65535"), 65535);
}

TEST(ParsePort, RejectsOutOfRange) {
  EXPECT_EQ(message_of(nbc::parse_port("0")), "invalid port '0': must be 1-65535");
  expect_error(nbc::parse_port("65536"), "65536", "must be 1-65535");
  expect_error(nbc::parse_port("99999999999999999999"), "99999999999999999999", "must be 1-65535");
  auto long_port = nbc::parse_port(kLong);
  ASSERT_FALSE(long_port);
  EXPECT_EQ(long_port.error().word, kLong);
  EXPECT_NE(long_port.error().message.find("must be 1-65535"), std::string::npos);
}

TEST(ParsePort, RejectsMissingPort) {
  expect_error(nbc::parse_port(""), "", "missing port");
}

TEST(ParsePort, RejectsLeadingZeros) {
  expect_error(nbc::parse_port("080"), "080", "leading zero");
  expect_error(nbc::parse_port("00"), "00", "leading zero");
}

TEST(ParsePort, RejectsSignsSpacesAndJunk) {
  expect_error(nbc::parse_port("+80"), "+80", "sign");
  expect_error(nbc::parse_port("-1"), "-1", "sign");
  expect_error(nbc::parse_port(" 80"), " 80", "whitespace");
  expect_error(nbc::parse_port("80\n"), "80\n", "whitespace");
  expect_error(nbc::parse_port("0x50"), "0x50", "not a decimal number");
  expect_error(nbc::parse_port("80a"), "80a", "not a decimal number");
  expect_error(nbc::parse_port("８０"), "８０", "not a decimal number");
  auto nul = nbc::parse_port("80\0"sv);
  ASSERT_FALSE(nul);
  EXPECT_NE(nul.error().message.find("'80\\x00'"), std::string::npos) << nul.error().message;
}

// ---------------------------------------------------------------------------------------------
// Host names

TEST(IsHostName, AcceptsNames) {
  for (std::string_view text :
       {"localhost", "example.com", "example.com.", "a", "xn--bcher-kva.example", "under_score.net",
        "a-b.c-d", "1e100.net", "123.example", "3com.com", "a.b.c.d.e.f"}) {
    EXPECT_TRUE(nbc::is_host_name(text)) << text;
  }
  const std::string label63(63, 'a');
  EXPECT_TRUE(nbc::is_host_name(label63 + ".com"));
}

TEST(IsHostName, RejectsBadSyntax) {
  const std::string label64(64, 'a');
  const std::string label50(50, 'a');
  std::string name253 = label50 + "." + label50 + "." + label50 + "." + label50 + "." + label50;
  name253 += ".ab";  // 5 labels of 50 and 4 dots make 254: trim to exactly 253.
  name253.resize(253);
  ASSERT_EQ(name253.back(), 'a');
  EXPECT_TRUE(nbc::is_host_name(name253));
  EXPECT_TRUE(nbc::is_host_name(name253 + "."));
  for (std::string_view text :
       {""sv, "."sv, ".."sv, "a..b"sv, ".a"sv, "a.b.."sv, "-a"sv, "a-"sv, "a.-b.c"sv, "a b"sv,
        "a\0b"sv, "bücher.de"sv, "a/b"sv, "a@b"sv, "a:b"sv, "[a]"sv}) {
    EXPECT_FALSE(nbc::is_host_name(text)) << text;
  }
  EXPECT_FALSE(nbc::is_host_name(label64 + ".com"));
  EXPECT_FALSE(nbc::is_host_name(name253 + "a"));
  EXPECT_FALSE(nbc::is_host_name(kLong));
}

TEST(IsHostName, RejectsNumericLookingWords) {
  for (std::string_view text : {"1.2.3", "127.1", "1.2.3.4", "1.2.3.4.", "10", "example.123",
                                "0x7f.1", "0x7f", "0xdead.example.com", "a.0XFF.b"}) {
    EXPECT_FALSE(nbc::is_host_name(text)) << text;
  }
}

// ---------------------------------------------------------------------------------------------
// parse_host

TEST(ParseHost, Names) {
  auto host = nbc::parse_host("example.com");
  ASSERT_TRUE(host) << message_of(host);
  EXPECT_EQ(host->host, "example.com");
  EXPECT_FALSE(host->literal.has_value());
}

TEST(ParseHost, Literals) {
  auto v4 = nbc::parse_host("10.0.0.1");
  ASSERT_TRUE(v4);
  ASSERT_TRUE(v4->literal);
  EXPECT_EQ(v4->literal->family(), Family::ipv4);
  auto v6 = nbc::parse_host("::1");
  ASSERT_TRUE(v6);
  ASSERT_TRUE(v6->literal);
  EXPECT_EQ(v6->host, "::1");
  auto bracketed = nbc::parse_host("[fe80::1%3]");
  ASSERT_TRUE(bracketed) << message_of(bracketed);
  EXPECT_EQ(bracketed->host, "fe80::1%3");
  EXPECT_EQ(bracketed->literal->scope_id(), 3u);
}

TEST(ParseHost, NumericLookingWordsGetTheIpv4Error) {
  EXPECT_EQ(message_of(nbc::parse_host("1.2.3")),
            "invalid IPv4 address '1.2.3': expected 4 parts, found 3 (short forms like '127.1' "
            "are not accepted)");
  expect_error(nbc::parse_host("010.0.0.1"), "010.0.0.1", "leading zero in part '010'");
  expect_error(nbc::parse_host("0x7f.0.0.1"), "0x7f.0.0.1", "hexadecimal");
  expect_error(nbc::parse_host("1.2.3.4."), "1.2.3.4.", "trailing '.'");
  expect_error(nbc::parse_host("example.123"), "example.123", "invalid IPv4 address");
  expect_error(nbc::parse_host("256.0.0.1"), "256.0.0.1", "greater than 255");
}

TEST(ParseHost, RejectsBadHosts) {
  expect_error(nbc::parse_host(""), "", "empty");
  expect_error(nbc::parse_host("exa mple.com"), "exa mple.com", "invalid host");
  expect_error(nbc::parse_host("-bad.example"), "-bad.example", "'-bad'");
  expect_error(nbc::parse_host("bücher.de"), "bücher.de", "non-ASCII");
  expect_error(nbc::parse_host("a..b"), "a..b", "empty label");
  expect_error(nbc::parse_host("example.com:80"), "example.com:80", "cannot contain ':'");
  expect_error(nbc::parse_host("[::1"), "[::1", "missing ']'");
  expect_error(nbc::parse_host("[]"), "[]", "empty brackets");
  expect_error(nbc::parse_host("[1.2.3.4]"), "[1.2.3.4]", "only for IPv6");
  expect_error(nbc::parse_host("[::1]x"), "[::1]x", "missing ']'");
  expect_error(nbc::parse_host("[::1%nosuchif0]"), "::1%nosuchif0", "unknown interface");
  expect_error(nbc::parse_host("host\0name"sv), "host\0name"sv, "not allowed in a host name");
  expect_error(nbc::parse_host(std::string(150, 'a')), std::string(150, 'a'), "longer than 63");
}

// ---------------------------------------------------------------------------------------------
// parse_host_port / parse_host_and_port

TEST(ParseHostPort, NameAndPort) {
  auto hp = nbc::parse_host_port("example.com:443");
  ASSERT_TRUE(hp) << message_of(hp);
  EXPECT_EQ(hp->host, "example.com");
  EXPECT_EQ(hp->port, 443);
  EXPECT_FALSE(hp->literal);
  EXPECT_EQ(hp->to_string(), "example.com:443");
}

TEST(ParseHostPort, LiteralsCarryThePort) {
  auto v4 = nbc::parse_host_port("127.0.0.1:6779");
  ASSERT_TRUE(v4) << message_of(v4);
  ASSERT_TRUE(v4->literal);
  EXPECT_EQ(v4->literal->port(), 6779);
  EXPECT_EQ(v4->literal->to_string(), "127.0.0.1:6779");
  auto v6 = nbc::parse_host_port("[::1]:80");
  ASSERT_TRUE(v6) << message_of(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 80);
  ASSERT_TRUE(v6->literal);
  EXPECT_EQ(v6->literal->port(), 80);
  EXPECT_EQ(v6->to_string(), "[::1]:80");
  auto scoped = nbc::parse_host_port("[fe80::1%9]:22");
  ASSERT_TRUE(scoped) << message_of(scoped);
  EXPECT_EQ(scoped->literal->scope_id(), 9u);
  EXPECT_EQ(scoped->to_string(), "[fe80::1%9]:22");
}

TEST(ParseHostPort, UnbracketedIpv6NeverCarriesAPort) {
  auto hp = nbc::parse_host_port("::1:80");
  expect_error(hp, "::1:80", "[::1]:80");
  expect_error(nbc::parse_host_port("::1"), "::1", "[::1]:PORT");
  expect_error(nbc::parse_host_port("fe80::1"), "fe80::1", "missing port");
  expect_error(nbc::parse_host_port("a:b:c"), "a:b:c", "too many ':'");
}

TEST(ParseHostPort, MissingPortNamesTheWord) {
  expect_error(nbc::parse_host_port("host"), "host", "missing port");
  expect_error(nbc::parse_host_port("host:"), "host:", "missing port");
  expect_error(nbc::parse_host_port("[::1]"), "[::1]", "missing port");
  expect_error(nbc::parse_host_port("[::1]:"), "[::1]:", "missing port");
  expect_error(nbc::parse_host_port(":80"), ":80", "missing host");
  expect_error(nbc::parse_host_port(""), "", "empty");
}

TEST(ParseHostPort, BadPartsGiveTheirOwnErrors) {
  expect_error(nbc::parse_host_port("host:0"), "0", "must be 1-65535");
  expect_error(nbc::parse_host_port("host:080"), "080", "leading zero");
  expect_error(nbc::parse_host_port("host:http"), "http", "not a decimal number");
  expect_error(nbc::parse_host_port("[::1]:99999999999999999999"), "99999999999999999999",
               "must be 1-65535");
  expect_error(nbc::parse_host_port("1.2.3:80"), "1.2.3", "invalid IPv4 address");
  expect_error(nbc::parse_host_port("bad host:80"), "bad host", "invalid host");
  expect_error(nbc::parse_host_port("[::1]80"), "[::1]80", "expected ':'");
  expect_error(nbc::parse_host_port("[::1"), "[::1", "missing ']'");
  expect_error(nbc::parse_host_port("[1.2.3.4]:80"), "[1.2.3.4]", "only for IPv6");
  expect_error(nbc::parse_host_port("host: 80"), " 80", "whitespace");
  expect_error(nbc::parse_host_port("host:80\0"sv), "80\0"sv, "not a decimal number");
}

TEST(ParseHostPort, ToStringRoundTrips) {
  for (std::string_view text :
       {"example.com:1", "10.0.0.1:65535", "[::1]:80", "[fe80::1%5]:443", "[::ffff:1.2.3.4]:8"}) {
    auto hp = nbc::parse_host_port(text);
    ASSERT_TRUE(hp) << message_of(hp);
    EXPECT_EQ(hp->to_string(), text);
    auto again = nbc::parse_host_port(hp->to_string());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->host, hp->host);
    EXPECT_EQ(again->port, hp->port);
    EXPECT_EQ(again->literal, hp->literal);
  }
}

TEST(ParseHostAndPort, TwoWords) {
  auto hp = nbc::parse_host_and_port("::1", "22");
  ASSERT_TRUE(hp) << message_of(hp);
  EXPECT_EQ(hp->port, 22);
  EXPECT_EQ(hp->literal->port(), 22);
  EXPECT_EQ(hp->to_string(), "[::1]:22");
  auto bracketed = nbc::parse_host_and_port("[::1]", "22");
  ASSERT_TRUE(bracketed) << message_of(bracketed);
  EXPECT_EQ(bracketed->host, "::1");
  auto name = nbc::parse_host_and_port("localhost", "6779");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->to_string(), "localhost:6779");
  expect_error(nbc::parse_host_and_port("localhost", "0"), "0", "must be 1-65535");
  expect_error(nbc::parse_host_and_port("localhost", ""), "", "missing port");
  expect_error(nbc::parse_host_and_port("1.2.3", "80"), "1.2.3", "invalid IPv4 address");
  expect_error(nbc::parse_host_and_port("", "80"), "", "invalid host");
}

// ---------------------------------------------------------------------------------------------
// Endpoint

TEST(Endpoint, DefaultIsEmpty) {
  Endpoint ep;
  EXPECT_TRUE(ep.empty());
  EXPECT_EQ(ep.family(), Family::unspec);
  EXPECT_EQ(ep.port(), 0);
  EXPECT_EQ(ep.scope_id(), 0u);
  EXPECT_FALSE(ep.is_loopback());
  EXPECT_FALSE(ep.is_v4_mapped());
  EXPECT_EQ(ep.address(), "");
  EXPECT_EQ(ep.to_string(), "");
  EXPECT_EQ(ep.size(), 0u);
  ep.set_port(80);
  EXPECT_EQ(ep.port(), 0);
  EXPECT_EQ(ep, Endpoint());
}

TEST(Endpoint, FromSockaddrCopiesIpv4AndIpv6) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(8080);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto v4 = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  EXPECT_EQ(v4.to_string(), "127.0.0.1:8080");
  EXPECT_EQ(v4.size(), sizeof sin);

  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(443);
  sin6.sin6_addr = in6addr_loopback;
  sockaddr_storage storage{};
  std::memcpy(&storage, &sin6, sizeof sin6);
  auto v6 = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), sizeof storage);
  EXPECT_EQ(v6.to_string(), "[::1]:443");
  EXPECT_EQ(v6.size(), sizeof sin6);
}

TEST(Endpoint, FromSockaddrRejectsUnknownOrShort) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  EXPECT_TRUE(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&sin), 4).empty());
  EXPECT_TRUE(Endpoint::from_sockaddr(nullptr, 16).empty());
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  EXPECT_TRUE(
      Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&sin6), sizeof(sockaddr_in)).empty());
  sockaddr other{};
  other.sa_family = AF_PACKET;
  EXPECT_TRUE(Endpoint::from_sockaddr(&other, sizeof other).empty());
  // A UNIX-domain address is as long as its name; the family alone is an unnamed socket.
  sockaddr unnamed{};
  unnamed.sa_family = AF_UNIX;
  Endpoint u = Endpoint::from_sockaddr(&unnamed, sizeof(sa_family_t));
  EXPECT_EQ(u.family(), Family::unix_domain);
  EXPECT_EQ(u.address(), "");
}

TEST(Endpoint, SetPortUsesNetworkByteOrder) {
  auto ep = nbc::parse_ipv4("1.2.3.4");
  ASSERT_TRUE(ep);
  ep->set_port(0x0102);
  EXPECT_EQ(ep->port(), 0x0102);
  EXPECT_EQ(reinterpret_cast<const sockaddr_in*>(ep->data())->sin_port, htons(0x0102));
  auto ep6 = nbc::parse_ipv6("::1");
  ASSERT_TRUE(ep6);
  ep6->set_port(65535);
  EXPECT_EQ(ep6->port(), 65535);
  EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(ep6->data())->sin6_port, htons(65535));
}

TEST(Endpoint, Loopback) {
  for (std::string_view text :
       {"127.0.0.1", "127.255.1.2", "::1", "::ffff:127.0.0.1", "::ffff:127.9.9.9"}) {
    EXPECT_TRUE(nbc::parse_ip(text)->is_loopback()) << text;
  }
  for (std::string_view text :
       {"128.0.0.1", "10.0.0.1", "::2", "::", "::ffff:10.0.0.1", "::127.0.0.1", "0.0.0.0"}) {
    EXPECT_FALSE(nbc::parse_ip(text)->is_loopback()) << text;
  }
}

TEST(Endpoint, V4Mapped) {
  EXPECT_TRUE(nbc::parse_ip("::ffff:1.2.3.4")->is_v4_mapped());
  EXPECT_FALSE(nbc::parse_ip("1.2.3.4")->is_v4_mapped());
  EXPECT_FALSE(nbc::parse_ip("::1")->is_v4_mapped());
}

TEST(Endpoint, ScopeWithoutInterfaceFormatsAsNumber) {
  // Interface indexes this large are never assigned, so if_indextoname fails.
  auto ep = nbc::parse_ipv6("fe80::1%4000000000", 5);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->address(), "fe80::1%4000000000");
  EXPECT_EQ(ep->to_string(), "[fe80::1%4000000000]:5");
}

TEST(Endpoint, EqualityComparesFamilyAddressPortAndScope) {
  EXPECT_EQ(*nbc::parse_ip("1.2.3.4", 80), *nbc::parse_ip("1.2.3.4", 80));
  EXPECT_NE(*nbc::parse_ip("1.2.3.4", 80), *nbc::parse_ip("1.2.3.4", 81));
  EXPECT_NE(*nbc::parse_ip("1.2.3.4", 80), *nbc::parse_ip("1.2.3.5", 80));
  EXPECT_NE(*nbc::parse_ip("1.2.3.4", 80), *nbc::parse_ip("::ffff:1.2.3.4", 80));
  EXPECT_EQ(*nbc::parse_ip("::1", 80), *nbc::parse_ip("0::1", 80));
  EXPECT_NE(*nbc::parse_ip("fe80::1%1", 80), *nbc::parse_ip("fe80::1%2", 80));
  EXPECT_NE(*nbc::parse_ip("fe80::1%1", 80), *nbc::parse_ip("fe80::1", 80));
  EXPECT_NE(*nbc::parse_ip("::1", 80), Endpoint());
  EXPECT_NE(Endpoint(), *nbc::parse_ip("0.0.0.0", 0));
}

TEST(Endpoint, EqualityIgnoresFlowInfo) {
  auto a = nbc::parse_ipv6("::1", 80);
  ASSERT_TRUE(a);
  sockaddr_in6 sin6;
  std::memcpy(&sin6, a->data(), sizeof sin6);
  sin6.sin6_flowinfo = htonl(12345);
  EXPECT_EQ(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&sin6), sizeof sin6), *a);
}

TEST(Endpoint, ToStringRoundTripsThroughParseHostPort) {
  for (std::string_view text : {"1.2.3.4:80", "[::1]:80", "[2001:db8::1]:65535"}) {
    auto hp = nbc::parse_host_port(text);
    ASSERT_TRUE(hp) << message_of(hp);
    EXPECT_EQ(hp->literal->to_string(), text);
    auto again = nbc::parse_host_port(hp->literal->to_string());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->literal, hp->literal);
  }
}

TEST(FamilyToString, Names) {
  EXPECT_EQ(nbc::to_string(Family::ipv4), "ipv4");
  EXPECT_EQ(nbc::to_string(Family::ipv6), "ipv6");
  EXPECT_EQ(nbc::to_string(Family::unspec), "unspec");
}

TEST(ParseError, MessagesEscapeControlBytes) {
  auto bad = nbc::parse_host_port("a\nb:1");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(one_line(bad.error().message)) << bad.error().message;
  EXPECT_NE(bad.error().message.find("'a\\x0ab'"), std::string::npos) << bad.error().message;
  EXPECT_EQ(word_of(bad), "a\nb");
}

TEST(ParseError, LongUtf8WordsAreCutOnCharacterBoundaries) {
  std::string word = "a";  // Makes the cut at byte 200 fall inside a character.
  for (int i = 0; i < 200; ++i) word += "ü";
  auto bad = nbc::parse_host(word);
  ASSERT_FALSE(bad);
  const std::string& message = bad.error().message;
  const std::size_t cut = message.find("...'");
  ASSERT_NE(cut, std::string::npos) << message;
  // The byte before "..." ends a two-byte sequence: a continuation byte preceded by a lead byte.
  EXPECT_EQ(static_cast<unsigned char>(message[cut - 2]), 0xC3);
  EXPECT_EQ(static_cast<unsigned char>(message[cut - 1]), 0xBC);
}
