// The HTTP CONNECT messages (RFC 9110 §9.3.6) as text, and the meaning of the status: pure
// functions, no I/O, shared by the stage (http_connect_stage.hpp) and the tests.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "nbconnect/outcome.hpp"

namespace nbc::detail::http_connect {

// The most header bytes read from a proxy: a longer header is a protocol error.
inline constexpr std::size_t kMaxHeader = 16 * 1024;

// "CONNECT authority HTTP/1.1", Host, and Proxy-Authorization: Basic when user is set.
std::string connect_request(std::string_view authority, std::string_view user,
                            std::string_view password);
// Base64 (RFC 4648 §4, with padding).
std::string base64(std::string_view data);

// Where the header ends in `text`: the offset just past the first "\r\n\r\n" (a bare "\n\n" is
// accepted too, as RFC 9112 §2.2 allows), or npos.
std::size_t header_end(std::string_view text);
// The status of "HTTP/1.x NNN ..." on the first line, or nullopt when it is not one.
std::optional<int> parse_status(std::string_view header);
// The state and reason a status stands for (docs/proxies.md).
Classification classify_status(int status);

}  // namespace nbc::detail::http_connect
