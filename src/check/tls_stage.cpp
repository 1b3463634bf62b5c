// The TLS stage: a non-blocking SSL_connect on the connected socket (SSL_ERROR_WANT_READ/WRITE
// become the stage's Want), then the verification of the peer's certificate against --ca or the
// system store and the expected name, and the session's facts (version, cipher, ALPN, the leaf's
// subject, issuer, SANs and days left). The handshake always completes when the peer allows it,
// whatever the chain: the verdict is made from the errors the verify callback saw, so the report
// can name the first that matters (untrusted over expired over a wrong name).
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <map>
#include <mutex>

#include "check/check_stages.hpp"

namespace nbc::detail::check {
namespace {

struct CtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using CtxPtr = std::shared_ptr<SSL_CTX>;

// One client context per CA file for the whole process: loading the trust store costs more than
// a handshake on loopback, and a context is safe to share between threads.
CtxPtr client_context(const std::string& ca_file, std::string& error) {
  static std::mutex mutex;
  static std::map<std::string, CtxPtr> contexts;
  std::lock_guard lock(mutex);
  if (auto it = contexts.find(ca_file); it != contexts.end()) return it->second;
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()), CtxDeleter{});
  if (!ctx) {
    error = "SSL_CTX_new: " + openssl_error();
    return nullptr;
  }
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  int ok = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                           : SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr);
  if (ok != 1) {
    error = "cannot load the CA file " + ca_file + ": " + openssl_error();
    return nullptr;
  }
  contexts.emplace(ca_file, ctx);
  return ctx;
}

// The index of the stage pointer in an SSL's ex_data, for the verify callback.
int stage_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool is_ip_literal(const std::string& name) {
  return parse_ip(name).has_value();
}

std::string name_text(const X509_NAME* name) {
  if (!name) return {};
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return text;
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> names;
  auto* gens =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!gens) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(gens) && names.size() < 100; ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(gens, i);
    if (gen->type == GEN_DNS) {
      const ASN1_STRING* s = gen->d.dNSName;
      names.push_back("DNS:" +
                      escape_bytes({reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                    static_cast<std::size_t>(ASN1_STRING_length(s))},
                                   255));
    } else if (gen->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = gen->d.iPAddress;
      sockaddr_storage ss{};
      int len = ASN1_STRING_length(s);
      const unsigned char* bytes = ASN1_STRING_get0_data(s);
      if (len == 4) {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        std::memcpy(&a->sin_addr, bytes, 4);
        names.push_back(
            "IP:" + Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(a), sizeof *a).address());
      } else if (len == 16) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        std::memcpy(&a->sin6_addr, bytes, 16);
        names.push_back(
            "IP:" + Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(a), sizeof *a).address());
      }
    }
  }
  GENERAL_NAMES_free(gens);
  return names;
}

class TlsStage final : public Stage {
 public:
  explicit TlsStage(std::shared_ptr<Session> session) : session_(std::move(session)) {}

  Want start(int fd, Clock::time_point now, Clock::time_point /*deadline*/) override {
    if (!session_->start_stage(CheckKind::tls, started_, now)) return Want::done;
    const CheckOptions& o = session_->options();
    std::string error;
    CtxPtr ctx = client_context(o.insecure ? std::string() : o.ca_file, error);
    if (!ctx) return fail(CheckReason::tls_handshake, error, now);
    std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(ctx.get()));
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) {
      return fail(CheckReason::tls_handshake, "SSL_new: " + openssl_error(), now);
    }
    SSL_set_connect_state(ssl.get());
    if (!o.sni.empty() && !is_ip_literal(o.sni)) {
      SSL_set_tlsext_host_name(ssl.get(), o.sni.c_str());
    }
    if (!o.alpn.empty()) {
      std::string wire;
      for (const std::string& p : o.alpn) {
        if (p.empty() || p.size() > 255) continue;
        wire += static_cast<char>(p.size());
        wire += p;
      }
      SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                          static_cast<unsigned>(wire.size()));
    }
    if (o.insecure) {
      SSL_set_verify(ssl.get(), SSL_VERIFY_NONE, nullptr);
    } else {
      std::string name = o.sni.empty() ? session_->target().address() : o.sni;
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
      if (is_ip_literal(name)) {
        X509_VERIFY_PARAM_set1_ip_asc(param, parse_ip(name)->address().c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
      }
      SSL_set_ex_data(ssl.get(), stage_index(), this);
      SSL_set_verify(ssl.get(), SSL_VERIFY_PEER, &TlsStage::verify_callback);
    }
    session_->use_tls(std::move(ssl));
    session_->trace().note("TLS handshake to {} (server name {})", session_->target().to_string(),
                           o.sni.empty() ? std::string("none") : o.sni);
    return step(now);
  }

  Want on_ready(int /*fd*/, Clock::time_point now) override { return step(now); }

  void on_deadline(Clock::time_point now) override {
    if (!session_->start_stage(CheckKind::tls, started_, now)) return;
    session_->trace().note("TLS handshake: deadline passed");
    done_ = true;
    session_->fail(CheckReason::tls_timeout, "no TLS handshake before the deadline", now);
  }

  bool finish(Outcome& outcome) override { return session_->finish(outcome); }

 private:
  static int verify_callback(int ok, X509_STORE_CTX* store) {
    if (ok) return 1;
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = ssl ? static_cast<TlsStage*>(SSL_get_ex_data(ssl, stage_index())) : nullptr;
    if (self) self->note_verify_error(X509_STORE_CTX_get_error(store));
    return 1;  // go on: the verdict is made after the handshake
  }

  void note_verify_error(int err) {
    CheckReason reason = CheckReason::cert_untrusted;
    if (err == X509_V_ERR_CERT_HAS_EXPIRED) reason = CheckReason::cert_expired;
    if (err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      reason = CheckReason::cert_name_mismatch;
    }
    auto rank = [](CheckReason r) {
      return r == CheckReason::cert_untrusted ? 3 : r == CheckReason::cert_expired ? 2 : 1;
    };
    if (verify_reason_ == CheckReason::none || rank(reason) > rank(verify_reason_)) {
      verify_reason_ = reason;
      verify_detail_ = X509_verify_cert_error_string(err);
    }
  }

  Want fail(CheckReason reason, std::string detail, Clock::time_point now) {
    session_->trace().note("TLS check failed: {}: {}", to_string(reason), detail);
    session_->fail(reason, std::move(detail), now);
    done_ = true;
    return Want::done;
  }

  Want step(Clock::time_point now) {
    if (done_) return Want::done;
    SSL* ssl = session_->ssl();
    ERR_clear_error();
    errno = 0;
    int r = SSL_connect(ssl);
    if (r == 1) {
      session_->trace().note("SSL_connect = 1 ({}, {})", SSL_get_version(ssl),
                             SSL_get_cipher_name(ssl));
      return handshake_done(now);
    }
    int e = SSL_get_error(ssl, r);
    int err = errno;
    if (e == SSL_ERROR_WANT_READ) {
      session_->trace().note("SSL_connect = want-read");
      return Want::readable;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
      session_->trace().note("SSL_connect = want-write");
      return Want::writable;
    }
    std::string why = openssl_error();
    if (why.empty()) {
      why = err != 0 ? std::string(std::strerror(err)) : "the peer closed the connection";
    }
    session_->trace().note("SSL_connect = error: {}", why);
    return fail(CheckReason::tls_handshake, why, now);
  }

  Want handshake_done(Clock::time_point now) {
    SSL* ssl = session_->ssl();
    // A server that closes after its response without close_notify (common with HTTP's
    // Connection: close) ends the stream; it is not an attack on a check that already has what
    // it read.
    SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
    TlsFacts facts;
    facts.version = SSL_get_version(ssl);
    facts.cipher = SSL_get_cipher_name(ssl);
    const unsigned char* alpn = nullptr;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn) facts.alpn = escape_bytes({reinterpret_cast<const char*>(alpn), alpn_len}, 255);
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (cert) {
      facts.subject = name_text(X509_get_subject_name(cert));
      facts.issuer = name_text(X509_get_issuer_name(cert));
      facts.sans = subject_alt_names(cert);
      int days = 0, seconds = 0;
      if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)) == 1) {
        facts.days_left = days;
      }
    }
    const CheckOptions& o = session_->options();
    if (!o.insecure && !cert) note_verify_error(X509_V_ERR_UNSPECIFIED);
    facts.verified = !o.insecure && verify_reason_ == CheckReason::none;
    session_->report().tls = facts;
    if (!o.insecure && verify_reason_ != CheckReason::none) {
      if (!cert) verify_detail_ = "the server sent no certificate";
      return fail(verify_reason_, verify_detail_, now);
    }
    if (o.warn_expiry && facts.days_left && *facts.days_left < *o.warn_expiry) {
      return fail(CheckReason::cert_expiring,
                  "the certificate expires in " + std::to_string(*facts.days_left) + " days", now);
    }
    done_ = true;
    session_->pass(now);
    return Want::done;
  }

  std::shared_ptr<Session> session_;
  bool started_ = false;
  bool done_ = false;
  CheckReason verify_reason_ = CheckReason::none;
  std::string verify_detail_;
};

}  // namespace

std::unique_ptr<Stage> make_tls_stage(std::shared_ptr<Session> session) {
  return std::make_unique<TlsStage>(std::move(session));
}

}  // namespace nbc::detail::check
