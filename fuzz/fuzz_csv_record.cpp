// libFuzzer target for the CSV writer (cli/record_writer.hpp, cli/json_text.hpp): a real CSV
// parser (libcsv, strict mode, its default trimming of spaces and tabs left on) reads every row
// back with the fields that were written: a scan record with any bytes as its target (the target
// unchanged when it was valid UTF-8, else its U+FFFD-replaced form, the other ten columns as
// written), and a row of any fields (the input cut at each 0x00 byte into at least two fields).
#include <csv.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "json_text.hpp"
#include "record_writer.hpp"

using nbc::fuzz::check;

namespace {

struct Rows {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
};

void on_field(void* data, std::size_t len, void* user) {
  auto* r = static_cast<Rows*>(user);
  r->fields.emplace_back(data ? static_cast<const char*>(data) : "", len);
}

void on_row(int, void* user) {
  auto* r = static_cast<Rows*>(user);
  r->rows.push_back(std::move(r->fields));
  r->fields.clear();
}

// The rows libcsv reads from `text`; false when it calls the text malformed.
bool parse_csv(const std::string& text, Rows& out) {
  csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) return false;
  bool ok = csv_parse(&p, text.data(), text.size(), on_field, on_row, &out) == text.size();
  ok = ok && csv_fini(&p, on_field, on_row, &out) == 0;
  csv_free(&p);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // A scan record whose target is the whole input.
  nbc::Outcome o;
  const bool resolved = size == 0 || data[0] % 2 == 0;
  if (resolved) o.peer = *nbc::parse_ip("::1", 8080);
  o.state = nbc::State::closed;
  o.reason = nbc::Reason::conn_refused;
  o.error = 111;
  o.phase = nbc::Phase::completion;
  o.rtt = std::chrono::microseconds(81);
  std::string row;
  nbc::cli::append_csv_record(row, o, text, 8080);
  check(!row.empty() && row.back() == '\n', "a row does not end its line", text);
  Rows record;
  check(parse_csv(row, record), "libcsv rejects a record", text);
  check(record.rows.size() == 1, "a record is not one row", text);
  const std::vector<std::string> want = {nbc::cli::utf8_replaced(text),
                                         resolved ? "::1" : "",
                                         "8080",
                                         resolved ? "ipv6" : "",
                                         "closed",
                                         "conn-refused",
                                         "ECONNREFUSED",
                                         "completion",
                                         "0.081",
                                         "1",
                                         "tcp"};
  check(record.rows[0] == want, "a record's fields changed", text);

  // Any fields: the input cut at each NUL byte.
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= size; ++i) {
    if (i == size || data[i] == 0) {
      fields.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (fields.size() < 2) fields.emplace_back();  // one empty field alone would be an empty line
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    nbc::cli::append_csv_field(line, fields[i]);
    fields[i] = nbc::cli::utf8_replaced(fields[i]);
  }
  line += '\n';
  Rows any;
  check(parse_csv(line, any), "libcsv rejects a row", text);
  check(any.rows.size() == 1 && any.rows[0] == fields, "a row's fields changed", text);
  return 0;
}
