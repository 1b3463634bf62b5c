// Outcome records as JSON lines and CSV rows, written straight into a string: the one writer of
// the records of check, scan, wait and ping (docs/outcomes.md, "Records"). No document is built,
// so a record costs about what its bytes cost; the scan formats each on the loop that produced it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "json_text.hpp"
#include "nbconnect/dialer.hpp"
#include "nbconnect/options.hpp"
#include "nbconnect/outcome.hpp"

namespace nbc::cli {

// An outcome's fields in the documented order: "target" (left out when nullopt: the entries of a
// dial's "tried" list), "address", "port", "family", "protocol", "state", "reason", "errno",
// "phase", "rtt_ms", "attempts", "method", and "detail" when there is one. An outcome without an
// address (a name that did not resolve) has null address and family, and the port it was asked for.
void outcome_fields(JsonObject& j, const Outcome& o, std::optional<std::string_view> target,
                    std::uint16_t port, Method method);

// A dial's fields: its outcome's, then "tried" (one object per address, without "target") when
// more than one address was tried.
void dial_fields(JsonObject& j, const DialResult& r, std::string_view target, std::uint16_t port,
                 Method method);

// One record and its newline; `canary` adds "canary":true (a scan's own probe).
void append_json_record(std::string& out, const Outcome& o, std::string_view target,
                        std::uint16_t port, Method method, bool canary = false);

// One dial's record and its newline.
void append_dial_record(std::string& out, const DialResult& r, std::string_view target,
                        std::uint16_t port, Method method);

// One CSV row and its newline, in the columns of kCsvHeader (scan_output.hpp): target, address,
// port, family, state, reason, errno, phase, rtt_ms ("0.081"), attempts, protocol; RFC 4180 quoting
// (json_text.hpp). An outcome without an address leaves address and family empty.
void append_csv_record(std::string& out, const Outcome& o, std::string_view target,
                       std::uint16_t port);

}  // namespace nbc::cli
