#pragma once
// A self-signed certificate (EC P-256) with its key, written as PEM files, for
// tests that serve TLS. Each one has its own serial number, so a test can tell
// which certificate a server presented.

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace regcache::test_support {

struct TestCertificate {
  std::filesystem::path certificate;
  std::filesystem::path key;
  long serial = 0;

  // Writes <dir>/<name>.crt and <dir>/<name>.key for CN=localhost (SAN
  // localhost, 127.0.0.1, ::1).
  static TestCertificate create(const std::filesystem::path& dir, const std::string& name,
                                long serial) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), &X509_free);
    if (!key || !x509) throw std::runtime_error("cannot create a test key");
    X509_set_version(x509.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(x509.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(x509.get()), 3600);
    X509_set_pubkey(x509.get(), key.get());
    X509_NAME* name_entry = X509_get_subject_name(x509.get());
    X509_NAME_add_entry_by_txt(name_entry, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(x509.get(), name_entry);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x509.get(), x509.get(), nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                              "DNS:localhost,IP:127.0.0.1,IP:::1");
    X509_add_ext(x509.get(), san, -1);
    X509_EXTENSION_free(san);
    X509_sign(x509.get(), key.get(), EVP_sha256());

    TestCertificate out{dir / (name + ".crt"), dir / (name + ".key"), serial};
    write(out.certificate, [&](FILE* f) { return PEM_write_X509(f, x509.get()); });
    write(out.key, [&](FILE* f) {
      return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    return out;
  }

 private:
  template <class Fn>
  static void write(const std::filesystem::path& path, Fn fn) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) throw std::runtime_error("cannot write " + path.string());
    const int ok = fn(f);
    std::fclose(f);
    if (ok != 1) throw std::runtime_error("cannot write PEM to " + path.string());
  }
};

}  // namespace regcache::test_support
