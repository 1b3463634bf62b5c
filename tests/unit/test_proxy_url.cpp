// The proxy URL parser: schemes, credentials (%-decoded, never echoed in errors), host and port,
// and to_string() without credentials.
#include <gtest/gtest.h>

#include <string>

#include "nbconnect/proxy.hpp"

using nbc::parse_proxy_url;
using nbc::ProxyScheme;

namespace {

std::string error_of(std::string_view url) {
  auto p = parse_proxy_url(url);
  return p ? std::string("<parsed>") : p.error().message + " | word=" + p.error().word;
}

TEST(ProxyUrl, Socks5LiteralWithoutCredentials) {
  auto p = parse_proxy_url("socks5://127.0.0.1:1080");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->scheme, ProxyScheme::socks5);
  EXPECT_EQ(p->endpoint.to_string(), "127.0.0.1:1080");
  EXPECT_FALSE(p->has_credentials());
  EXPECT_EQ(p->to_string(), "socks5://127.0.0.1:1080");
}

TEST(ProxyUrl, SchemesInAnyCaseAndTrailingSlash) {
  auto h = parse_proxy_url("SOCKS5H://[::1]:9050/");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->scheme, ProxyScheme::socks5h);
  EXPECT_EQ(h->endpoint.to_string(), "[::1]:9050");
  EXPECT_EQ(h->to_string(), "socks5h://[::1]:9050");
  auto http = parse_proxy_url("http://proxy.example:3128");
  ASSERT_TRUE(http) << http.error().message;
  EXPECT_EQ(http->scheme, ProxyScheme::http);
  EXPECT_EQ(http->server.host, "proxy.example");
  EXPECT_TRUE(http->endpoint.empty()) << "a name is resolved by the caller";
}

TEST(ProxyUrl, CredentialsDecodedAndNeverInToString) {
  auto p = parse_proxy_url("socks5://al%40ice:p%3Ass@127.0.0.1:1080");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->user, "al@ice");
  EXPECT_EQ(p->password, "p:ss");
  EXPECT_EQ(p->to_string(), "socks5://127.0.0.1:1080");
  // The last '@' ends the credentials, so a raw '@' in the password works too.
  auto q = parse_proxy_url("http://u:a@b@127.0.0.1:3128");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->password, "a@b");
}

TEST(ProxyUrl, ErrorsNeverEchoThePassword) {
  for (const char* url : {"socks5://user:SECRETPW@", "socks5://user:SECRETPW@127.0.0.1",
                          "socks5://user:SECRETPW@127.0.0.1:99999", "user:SECRETPW@127.0.0.1:1",
                          "socks5://:SECRETPW@127.0.0.1:1", "socks5://u:SECRET%zzPW@127.0.0.1:1",
                          "ftp://user:SECRETPW@127.0.0.1:1"}) {
    const std::string e = error_of(url);
    EXPECT_NE(e, "<parsed>") << url;
    EXPECT_EQ(e.find("SECRET"), std::string::npos) << url << " -> " << e;
  }
}

TEST(ProxyUrl, StrictRefusals) {
  EXPECT_NE(error_of("socks4://127.0.0.1:1080").find("'socks4'"), std::string::npos)
      << error_of("socks4://127.0.0.1:1080");
  EXPECT_NE(error_of("127.0.0.1:1080").find("no scheme"), std::string::npos);
  EXPECT_NE(error_of("socks5://127.0.0.1").find("port"), std::string::npos);
  EXPECT_NE(error_of("socks5://127.0.0.1:1080/path"), "<parsed>");
  EXPECT_NE(error_of("socks5://127.0.0.1:0"), "<parsed>");
  EXPECT_NE(error_of("socks5://"), "<parsed>");
  EXPECT_NE(error_of("socks5://user@127.0.0.1:1080").find("PASSWORD"), std::string::npos);
  EXPECT_NE(error_of("socks5://user:@127.0.0.1:1080").find("empty password"), std::string::npos);
  EXPECT_EQ(error_of("http://user:@127.0.0.1:3128"), "<parsed>") << "HTTP Basic allows it";
  EXPECT_NE(error_of("socks5://" + std::string(256, 'u') + ":p@127.0.0.1:1"), "<parsed>");
}

}  // namespace
