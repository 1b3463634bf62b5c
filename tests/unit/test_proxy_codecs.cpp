// The SOCKS5 and HTTP CONNECT codecs: the bytes sent, reply lengths learnt from split prefixes,
// reply parsing, and the mapping of every reply code and status (docs/proxies.md).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

#include "nbconnect/outcome.hpp"
#include "proxy/http_connect_codec.hpp"
#include "proxy/socks5_codec.hpp"

namespace socks5 = nbc::detail::socks5;
namespace http = nbc::detail::http_connect;
using nbc::Reason;
using nbc::State;
using namespace std::string_literals;

namespace {

TEST(Socks5Codec, GreetingAuthAndRequests) {
  EXPECT_EQ(socks5::greeting(false), "\x05\x01\x00"s);
  EXPECT_EQ(socks5::greeting(true), "\x05\x02\x00\x02"s);
  EXPECT_EQ(socks5::auth_request("ab", "xyz"),
            "\x01\x02"
            "ab\x03xyz"s);
  auto v4 = nbc::parse_ip("10.1.2.3");
  EXPECT_EQ(socks5::connect_request(*v4, "", 80), "\x05\x01\x00\x01\x0a\x01\x02\x03\x00\x50"s);
  auto v6 = nbc::parse_ip("::1");
  EXPECT_EQ(socks5::connect_request(*v6, "", 443),
            "\x05\x01\x00\x04"s + std::string(15, '\0') + "\x01\x01\xbb"s);
  EXPECT_EQ(socks5::connect_request(*v4, "ex.org", 8080),
            "\x05\x01\x00\x03\x06"
            "ex.org\x1f\x90"s);
  EXPECT_EQ(socks5::connect_request(*v4, std::string(256, 'a'), 1), "");
}

TEST(Socks5Codec, ReplyLengthFromEverySplitPrefix) {
  const std::string v4 = "\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90"s;
  const std::string v6 = "\x05\x05\x00\x04"s + std::string(16, '\0') + "\x00\x00"s;
  const std::string dom =
      "\x05\x04\x00\x03\x03"
      "abc\x00\x50"s;
  for (const std::string* reply : {&v4, &v6, &dom}) {
    // Whatever prefix has arrived, the length asked for never goes past the reply.
    for (std::size_t have = 0; have <= reply->size(); ++have) {
      const std::size_t need = socks5::reply_length(reply->substr(0, have));
      EXPECT_GT(need, 0u);
      EXPECT_LE(need, reply->size()) << "prefix " << have;
      if (have >= 5) {
        EXPECT_EQ(need, reply->size());
      }
    }
    auto parsed = socks5::parse_reply(*reply);
    ASSERT_TRUE(parsed);
  }
  EXPECT_EQ(socks5::parse_reply(v4)->bound, "127.0.0.1:8080");
  EXPECT_EQ(socks5::parse_reply(v6)->code, 0x05);
  EXPECT_EQ(socks5::parse_reply(dom)->bound, "abc:80");
}

TEST(Socks5Codec, MalformedReplies) {
  EXPECT_EQ(socks5::reply_length("\x04"s), 0u) << "wrong version";
  EXPECT_EQ(socks5::reply_length("HTTP"s), 0u);
  EXPECT_EQ(socks5::reply_length("\x05\x00\x00\x09"s), 0u) << "unknown address type";
  EXPECT_FALSE(socks5::parse_reply("\x05\x00\x01\x01\x7f\x00\x00\x01\x00\x50"s)) << "RSV not 0";
  EXPECT_FALSE(socks5::parse_reply("\x05\x00\x00\x01\x7f\x00"s)) << "short";
}

TEST(Socks5Codec, EveryReplyCodeMapsAsTheIssueSays) {
  struct Row {
    int code;
    State state;
    Reason reason;
  };
  const Row rows[] = {
      {0x00, State::open, Reason::syn_ack},
      {0x01, State::error, Reason::proxy_failure},
      {0x02, State::filtered, Reason::admin_prohibited},
      {0x03, State::filtered, Reason::net_unreach},
      {0x04, State::filtered, Reason::host_unreach},
      {0x05, State::closed, Reason::conn_refused},
      {0x06, State::filtered, Reason::no_response},
      {0x07, State::error, Reason::proxy_command_unsupported},
      {0x08, State::error, Reason::proxy_address_unsupported},
      {0x09, State::error, Reason::proxy_protocol},
      {0xff, State::error, Reason::proxy_protocol},
  };
  for (const Row& r : rows) {
    auto c = socks5::classify_reply(static_cast<std::uint8_t>(r.code));
    EXPECT_EQ(c.state, r.state) << r.code;
    EXPECT_EQ(c.reason, r.reason) << r.code;
  }
}

TEST(HttpConnectCodec, RequestWithBasicAuth) {
  EXPECT_EQ(http::connect_request("10.0.0.1:22", "", ""),
            "CONNECT 10.0.0.1:22 HTTP/1.1\r\nHost: 10.0.0.1:22\r\n\r\n");
  EXPECT_EQ(http::connect_request("[::1]:80", "Aladdin", "open sesame"),
            "CONNECT [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\n"
            "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n");
  // RFC 4648 §10 test vectors.
  EXPECT_EQ(http::base64(""), "");
  EXPECT_EQ(http::base64("f"), "Zg==");
  EXPECT_EQ(http::base64("fo"), "Zm8=");
  EXPECT_EQ(http::base64("foo"), "Zm9v");
  EXPECT_EQ(http::base64("foobar"), "Zm9vYmFy");
}

TEST(HttpConnectCodec, HeaderEndAndStatus) {
  EXPECT_EQ(http::header_end("HTTP/1.1 200 OK\r\n\r\nTUNNEL"), 19u);
  EXPECT_EQ(http::header_end("HTTP/1.1 200 OK\r\nA: b\r\n"), std::string::npos);
  EXPECT_EQ(http::header_end("HTTP/1.0 200 OK\n\nX"), 17u);
  EXPECT_EQ(http::parse_status("HTTP/1.0 200 Connection established\r\n"), 200);
  EXPECT_EQ(http::parse_status("HTTP/1.1 407\r\n"), 407);
  EXPECT_FALSE(http::parse_status("HTTP/2 200\r\n"));
  EXPECT_FALSE(http::parse_status("SSH-2.0-OpenSSH\r\n"));
  EXPECT_FALSE(http::parse_status("HTTP/1.1 20x OK\r\n"));
  EXPECT_FALSE(http::parse_status("HTTP/1.1 2000 OK\r\n"));
  EXPECT_FALSE(http::parse_status("HTTP/1.1 099 OK\r\n"));
}

TEST(HttpConnectCodec, StatusMapping) {
  EXPECT_EQ(http::classify_status(200).state, State::open);
  EXPECT_EQ(http::classify_status(403).reason, Reason::proxy_denied);
  EXPECT_EQ(http::classify_status(407).reason, Reason::proxy_auth);
  for (int s : {502, 503, 504}) {
    EXPECT_EQ(http::classify_status(s).state, State::filtered) << s;
    EXPECT_EQ(http::classify_status(s).reason, Reason::proxy_gateway) << s;
  }
  for (int s : {201, 301, 400, 404, 500}) {
    EXPECT_EQ(http::classify_status(s).state, State::error) << s;
    EXPECT_EQ(http::classify_status(s).reason, Reason::proxy_http) << s;
  }
  nbc::OutcomeFacts facts;
  facts.reason = Reason::proxy_http;
  facts.proxy_status = 500;
  EXPECT_EQ(facts.reason_name(), "proxy-http-500");
  EXPECT_EQ(nbc::to_string(nbc::Phase::proxy), "proxy");
}

}  // namespace
