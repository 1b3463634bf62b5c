// A small, strict, bounded HTTP/1.x response parser for the HTTP check: the status line and the
// header block (Content-Length, Transfer-Encoding: chunked), and the body as far as it has been
// received, de-chunked. It works on the bytes received so far, which the stage bounds by
// --read-bytes, and never allocates more than those.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nbc::detail::check {

struct HttpHead {
  enum class Parse : unsigned char { more, done, malformed } parse = Parse::more;
  std::string error;  // with malformed: what was wrong
  int status = 0;     // the final (non-1xx) status
  std::string reason_phrase;
  std::size_t size = 0;  // bytes of the head(s), interim 1xx responses included
  std::optional<std::size_t> content_length;
  bool chunked = false;
};

// Parses the head of the response at the start of `data`.
HttpHead parse_http_head(std::string_view data);

struct HttpBody {
  std::string bytes;      // the body received so far, de-chunked
  bool complete = false;  // the whole body is in (length reached, last chunk seen)
  bool malformed = false;
  std::string error;
};

// The body of a response with `head`, from the bytes after the head received so far (the stream
// is not known to have ended: a body delimited by the end of the stream is never complete here).
HttpBody decode_http_body(const HttpHead& head, std::string_view data);

}  // namespace nbc::detail::check
