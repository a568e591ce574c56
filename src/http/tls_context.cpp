#include "http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <stdexcept>

namespace regcache::http {
namespace {

namespace ssl = boost::asio::ssl;

// The oldest queued OpenSSL reason, e.g. "PEM routines::no start line".
std::string openssl_reason() {
  std::string reason;
  while (unsigned long code = ERR_get_error()) {
    if (reason.empty()) {
      char text[256];
      ERR_error_string_n(code, text, sizeof text);
      reason = text;
    }
  }
  return reason.empty() ? "unknown OpenSSL error" : reason;
}

// Offer HTTP/1.1 when a client lists it; answer without ALPN otherwise (regcache
// does not speak HTTP/2, and curl would otherwise try it).
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

std::string describe_certificate(SSL_CTX* ctx) {
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (leaf == nullptr) return "no certificate";
  std::string out;
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof subject);
  out = subject;
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr) {
    if (ASN1_TIME_print(bio, X509_get0_notAfter(leaf)) == 1) {
      char* data = nullptr;
      const long n = BIO_get_mem_data(bio, &data);
      out += ", valid until " + std::string(data, static_cast<size_t>(n));
    }
    BIO_free(bio);
  }
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0) out += " (EXPIRED)";
  return out;
}

}  // namespace

TlsContextProvider::TlsContextProvider(TlsFiles files) : files_(std::move(files)) {
  seen_ = signatures();
  auto loaded = load();
  if (!loaded) throw std::runtime_error(loaded.error());
  context_ = std::move(loaded->context);
  description_ = std::move(loaded->description);
}

std::pair<FileSignature, FileSignature> TlsContextProvider::signatures() const {
  return {FileSignature::of(files_.certificate), FileSignature::of(files_.key)};
}

Result<TlsContextProvider::Loaded, std::string> TlsContextProvider::load() const {
  ERR_clear_error();
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, files_.tls13_only ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
  if (SSL_CTX_use_certificate_chain_file(native, files_.certificate.c_str()) != 1) {
    return fail("http.tls.certificate " + files_.certificate.string() +
                ": cannot use the certificate: " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(native, files_.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return fail("http.tls.key " + files_.key.string() +
                  " does not belong to the certificate in " + files_.certificate.string());
    }
    return fail("http.tls.key " + files_.key.string() +
                ": cannot use the private key (PEM, not encrypted): " + openssl_reason());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return fail("http.tls.key " + files_.key.string() + " does not belong to the certificate in " +
                files_.certificate.string() + ": " + openssl_reason());
  }
  return Loaded{std::move(context), describe_certificate(native)};
}

std::shared_ptr<boost::asio::ssl::context> TlsContextProvider::current() const {
  std::lock_guard lock(mutex_);
  return context_;
}

std::string TlsContextProvider::describe() const {
  std::lock_guard lock(mutex_);
  return description_;
}

Result<Ok, std::string> TlsContextProvider::reload() {
  auto seen = signatures();
  auto loaded = load();
  std::lock_guard lock(mutex_);
  seen_ = seen;
  if (!loaded) return fail(loaded.error());
  context_ = std::move(loaded->context);
  description_ = std::move(loaded->description);
  return Ok{};
}

bool TlsContextProvider::reload_if_changed() {
  {
    std::lock_guard lock(mutex_);
    if (signatures() == seen_) return false;
  }
  auto reloaded = reload();
  if (!reloaded) {
    spdlog::error(
        "tls: the certificate files changed but cannot be used; still serving the "
        "previous certificate: {}",
        reloaded.error());
    return false;
  }
  spdlog::info("tls: certificate reloaded: {}", describe());
  return true;
}

}  // namespace regcache::http
