// The HTTP check's response parser: status line, header fields, interim responses, body length
// by Content-Length or chunks, and what it refuses.
#include <gtest/gtest.h>

#include "check/http_response.hpp"

namespace nbc::detail::check {
namespace {

TEST(HttpResponse, StatusAndHeaders) {
  HttpHead h = parse_http_head("HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_EQ(h.parse, HttpHead::Parse::done) << h.error;
  EXPECT_EQ(h.status, 404);
  EXPECT_EQ(h.reason_phrase, "Not Found");
  EXPECT_EQ(h.content_length, 5u);
  EXPECT_EQ(h.size, 45u);
}

TEST(HttpResponse, IncompleteHeadAsksForMore) {
  EXPECT_EQ(parse_http_head("HTT").parse, HttpHead::Parse::more);
  EXPECT_EQ(parse_http_head("HTTP/1.1 200 OK\r\nServer: x").parse, HttpHead::Parse::more);
}

TEST(HttpResponse, Malformed) {
  EXPECT_EQ(parse_http_head("SSH-2.0-x\r\n").parse, HttpHead::Parse::malformed);
  EXPECT_EQ(parse_http_head("HTTP/1.1 20 OK\r\n\r\n").parse, HttpHead::Parse::malformed);
  EXPECT_EQ(parse_http_head("HTTP/1.1 200OK\r\n\r\n").parse, HttpHead::Parse::malformed);
  EXPECT_EQ(parse_http_head("HTTP/1.1 200 OK\r\nno colon\r\n\r\n").parse,
            HttpHead::Parse::malformed);
  EXPECT_EQ(parse_http_head("HTTP/1.1 200 OK\r\nA b: c\r\n\r\n").parse, HttpHead::Parse::malformed);
  EXPECT_EQ(
      parse_http_head("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").parse,
      HttpHead::Parse::malformed);
  EXPECT_EQ(parse_http_head("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").parse,
            HttpHead::Parse::malformed);
}

TEST(HttpResponse, InterimResponsesAreSkipped) {
  HttpHead h = parse_http_head("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_EQ(h.parse, HttpHead::Parse::done) << h.error;
  EXPECT_EQ(h.status, 204);
}

TEST(HttpResponse, StatusLineWithoutReason) {
  HttpHead h = parse_http_head("HTTP/1.0 200\r\n\r\n");
  ASSERT_EQ(h.parse, HttpHead::Parse::done) << h.error;
  EXPECT_EQ(h.status, 200);
}

TEST(HttpResponse, ChunkedBody) {
  HttpHead h = parse_http_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  ASSERT_TRUE(h.chunked);
  HttpBody partial = decode_http_body(h, "5\r\nhel");
  EXPECT_EQ(partial.bytes, "hel");
  EXPECT_FALSE(partial.complete);
  HttpBody full = decode_http_body(h, "5;x=y\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_EQ(full.bytes, "hello world");
  EXPECT_TRUE(full.complete);
  EXPECT_TRUE(decode_http_body(h, "zz\r\n").malformed);
  EXPECT_TRUE(decode_http_body(h, "1\r\nab").malformed);
}

TEST(HttpResponse, ContentLengthBody) {
  HttpHead h = parse_http_head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
  EXPECT_FALSE(decode_http_body(h, "ab").complete);
  HttpBody b = decode_http_body(h, "abcdef");
  EXPECT_TRUE(b.complete);
  EXPECT_EQ(b.bytes, "abc");
}

}  // namespace
}  // namespace nbc::detail::check
