// The record's "check" object (cli/record_writer.hpp, docs/checks.md): after the outcome's fields,
// with the TLS facts and the HTTP status when there are some, valid JSON whatever the bytes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "record_writer.hpp"

namespace nbc::cli {
namespace {

Outcome open_outcome() {
  Outcome o;
  o.state = State::open;
  o.reason = Reason::syn_ack;
  o.phase = Phase::connect;
  o.peer = *parse_ip("127.0.0.1", 8443);
  o.rtt = std::chrono::microseconds(71);
  return o;
}

TEST(CheckRecord, FailedTlsCheck) {
  Outcome o = open_outcome();
  CheckReport r;
  r.kind = CheckKind::tls;
  r.ok = false;
  r.reason = CheckReason::cert_expired;
  r.detail = "certificate has expired";
  r.elapsed = std::chrono::microseconds(2519);
  r.tls = TlsFacts{"TLSv1.3", "TLS_AES_256_GCM_SHA384",          "", "CN=localhost",
                   "CN=ca",   {"DNS:localhost", "IP:127.0.0.1"}, -1, false};
  o.check = r;
  std::string line;
  append_json_record(line, o, "127.0.0.1", 8443, Method::so_error);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["state"], "open");
  const auto& c = j["check"];
  EXPECT_EQ(c["kind"], "tls");
  EXPECT_EQ(c["ok"], false);
  EXPECT_EQ(c["reason"], "cert-expired");
  EXPECT_EQ(c["detail"], "certificate has expired");
  EXPECT_DOUBLE_EQ(c["elapsed_ms"].get<double>(), 2.519);
  EXPECT_FALSE(c.contains("http_status"));
  EXPECT_TRUE(c["tls"]["alpn"].is_null());
  EXPECT_EQ(c["tls"]["days_left"], -1);
  EXPECT_EQ(c["tls"]["sans"], nlohmann::json::array({"DNS:localhost", "IP:127.0.0.1"}));
  EXPECT_EQ(c["tls"]["verified"], false);
  // The check object is the record's last field.
  EXPECT_EQ(line.substr(line.size() - 3), "}}\n");
}

TEST(CheckRecord, PassedHttpCheckWithoutTls) {
  Outcome o = open_outcome();
  CheckReport r;
  r.kind = CheckKind::http;
  r.ok = true;
  r.http_status = 200;
  r.bytes_read = 180;
  o.check = r;
  std::string line;
  append_json_record(line, o, "127.0.0.1", 8443, Method::so_error);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["check"]["ok"], true);
  EXPECT_TRUE(j["check"]["reason"].is_null());
  EXPECT_TRUE(j["check"]["detail"].is_null());
  EXPECT_EQ(j["check"]["http_status"], 200);
  EXPECT_EQ(j["check"]["bytes_read"], 180);
  EXPECT_FALSE(j["check"].contains("tls"));
}

TEST(CheckRecord, NoCheckNoObject) {
  std::string line;
  append_json_record(line, open_outcome(), "127.0.0.1", 8443, Method::so_error);
  EXPECT_FALSE(nlohmann::json::parse(line).contains("check"));
}

TEST(CheckRecord, CopyWithoutSocketKeepsTheReport) {
  Outcome o = open_outcome();
  o.check = CheckReport{};
  o.check->detail = "kept";
  EXPECT_EQ(o.copy_without_socket().check->detail, "kept");
}

}  // namespace
}  // namespace nbc::cli
