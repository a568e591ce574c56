#include "coord/redis_tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace regcache::coord {
namespace {

// The reason of the last OpenSSL error ("no certificate or crl found").
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

// Called when the server asks for a client certificate and none is set: noted
// for the log, as the server's refusal often arrives as a bare connection reset.
int note_certificate_request(SSL* connection, X509**, EVP_PKEY**) {
  SSL_set_app_data(connection, reinterpret_cast<void*>(1));
  return 0;  // continue without one
}

}  // namespace

bool RedisTls::certificate_wanted(const ssl_st* connection) {
  return SSL_get_app_data(connection) != nullptr;
}

RedisTls::RedisTls(const RedisTlsOptions& options) : skip_verify_(options.skip_verify) {
  context_ = SSL_CTX_new(TLS_client_method());
  if (context_ == nullptr)
    throw std::runtime_error("cannot create a TLS context: " + openssl_reason());
  const auto fail = [&](const std::string& why) {
    ERR_clear_error();
    SSL_CTX_free(context_);
    context_ = nullptr;
    throw std::runtime_error(why);
  };
  SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
  if (SSL_CTX_set_default_verify_paths(context_) != 1) ERR_clear_error();  // no system CAs: ok
  if (!options.ca_file.empty() &&
      SSL_CTX_load_verify_locations(context_, options.ca_file.c_str(), nullptr) != 1) {
    fail("redis.tls.ca " + options.ca_file + ": no usable PEM certificate: " + openssl_reason());
  }
  if (!options.certificate.empty()) {
    if (SSL_CTX_use_certificate_chain_file(context_, options.certificate.c_str()) != 1) {
      fail("redis.tls.certificate " + options.certificate +
           ": no usable PEM certificate: " + openssl_reason());
    }
    // OpenSSL checks the key against the certificate here already.
    const bool key_loaded =
        SSL_CTX_use_PrivateKey_file(context_, options.key.c_str(), SSL_FILETYPE_PEM) == 1;
    const bool mismatch = !key_loaded && ERR_GET_LIB(ERR_peek_last_error()) == ERR_LIB_X509 &&
                          ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    if (!key_loaded && !mismatch) {
      fail("redis.tls.key " + options.key +
           ": no usable PEM private key (not encrypted): " + openssl_reason());
    }
    if (mismatch || SSL_CTX_check_private_key(context_) != 1) {
      fail("redis.tls.key " + options.key + " does not belong to redis.tls.certificate " +
           options.certificate);
    }
  }
  if (options.certificate.empty()) SSL_CTX_set_client_cert_cb(context_, note_certificate_request);
  SSL_CTX_set_verify(context_, skip_verify_ ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
}

RedisTls::~RedisTls() {
  if (context_ != nullptr) SSL_CTX_free(context_);
}

}  // namespace regcache::coord
