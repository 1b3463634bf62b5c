// The HTTP check's response parser (http_response.hpp), after RFC 9112: status line, header
// fields, message body length (Content-Length, chunked).
#include "check/http_response.hpp"

#include <charconv>
#include <cstdint>

namespace nbc::detail::check {
namespace {

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The next line of data from pos (without CRLF or LF); npos when no line end yet.
std::size_t line_end(std::string_view data, std::size_t pos, std::string_view& line,
                     std::size_t& next) {
  std::size_t lf = data.find('\n', pos);
  if (lf == std::string_view::npos) return lf;
  std::size_t end = lf > pos && data[lf - 1] == '\r' ? lf - 1 : lf;
  line = data.substr(pos, end - pos);
  next = lf + 1;
  return lf;
}

HttpHead malformed(std::string error) {
  HttpHead h;
  h.parse = HttpHead::Parse::malformed;
  h.error = std::move(error);
  return h;
}

}  // namespace

HttpHead parse_http_head(std::string_view data) {
  std::size_t pos = 0;
  for (int interim = 0; interim < 16; ++interim) {
    HttpHead head;
    std::string_view rest = data.substr(pos);
    std::string_view prefix = rest.substr(0, 5);
    if (std::string_view("HTTP/").substr(0, prefix.size()) != prefix) {
      return malformed("the response does not start with HTTP/");
    }
    std::string_view line;
    std::size_t next = 0;
    if (line_end(data, pos, line, next) == std::string_view::npos) return head;
    // HTTP/d.d SP ddd [SP reason]
    if (line.size() < 12 || line[5] < '0' || line[5] > '9' || line[6] != '.' || line[7] < '0' ||
        line[7] > '9' || line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
      return malformed("bad status line");
    }
    int status = 0;
    for (int i = 9; i < 12; ++i) {
      if (line[i] < '0' || line[i] > '9') return malformed("bad status code");
      status = status * 10 + (line[i] - '0');
    }
    if (status < 100) return malformed("bad status code");
    head.status = status;
    head.reason_phrase = std::string(line.size() > 13 ? line.substr(13) : std::string_view());
    pos = next;
    // Header fields up to the empty line.
    for (;;) {
      if (line_end(data, pos, line, next) == std::string_view::npos) {
        head.parse = HttpHead::Parse::more;
        return head;
      }
      pos = next;
      if (line.empty()) break;
      std::size_t colon = line.find(':');
      if (colon == 0 || colon == std::string_view::npos) return malformed("bad header line");
      std::string_view name = line.substr(0, colon);
      for (char c : name) {
        if (!is_tchar(c)) return malformed("bad header name");
      }
      std::string_view value = trim(line.substr(colon + 1));
      if (iequals(name, "content-length")) {
        std::size_t n = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
          return malformed("bad Content-Length");
        }
        if (head.content_length && *head.content_length != n) {
          return malformed("two different Content-Length values");
        }
        head.content_length = n;
      } else if (iequals(name, "transfer-encoding")) {
        std::size_t comma = value.rfind(',');
        std::string_view last =
            trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
        head.chunked = iequals(last, "chunked");
      }
    }
    head.size = pos;
    // An interim response (100 Continue, 103 Early Hints): the final one follows.
    if (status >= 100 && status < 200 && status != 101) continue;
    head.parse = HttpHead::Parse::done;
    return head;
  }
  return malformed("too many interim responses");
}

HttpBody decode_http_body(const HttpHead& head, std::string_view data) {
  HttpBody body;
  if (head.status == 204 || head.status == 304) {
    body.complete = true;
    return body;
  }
  if (!head.chunked) {
    if (head.content_length) {
      body.bytes = std::string(data.substr(0, *head.content_length));
      body.complete = body.bytes.size() == *head.content_length;
    } else {
      body.bytes = std::string(data);
    }
    return body;
  }
  std::size_t pos = 0;
  for (;;) {
    std::string_view line;
    std::size_t next = 0;
    if (line_end(data, pos, line, next) == std::string_view::npos) return body;
    std::string_view digits = line.substr(0, line.find(';'));
    digits = trim(digits);
    std::uint64_t size = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      body.malformed = true;
      body.error = "bad chunk size";
      return body;
    }
    pos = next;
    if (size == 0) {
      body.complete = true;  // the trailer section is not needed
      return body;
    }
    if (data.size() - pos < size) {
      body.bytes.append(data.substr(pos));
      return body;
    }
    body.bytes.append(data.substr(pos, size));
    pos += size;
    // The CRLF after the chunk's data.
    // A byte other than CR or LF there is wrong at once; a lone CR waits for its LF.
    if (pos == data.size()) return body;
    if (data[pos] == '\n') {
      pos += 1;
    } else if (data[pos] == '\r' && pos + 1 == data.size()) {
      return body;
    } else if (data.substr(pos, 2) == "\r\n") {
      pos += 2;
    } else {
      body.malformed = true;
      body.error = "no line end after a chunk";
      return body;
    }
  }
}

}  // namespace nbc::detail::check
