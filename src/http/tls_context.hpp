#pragma once
// TlsContextProvider: the certificate and key regcache serves TLS with,
// reloadable without dropping connections. Every new connection takes the
// context current at that moment; connections already open keep theirs.
// Reloads happen on demand (SIGHUP) and when the files change on disk; a
// reload that fails (half-written file, key not matching) keeps the old
// context and says why.

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "util/asio.hpp"
#include "util/file_signature.hpp"
#include "util/result.hpp"

namespace regcache::http {

struct TlsFiles {
  std::filesystem::path certificate;  // PEM chain, leaf first
  std::filesystem::path key;          // PEM private key (not encrypted)
  bool tls13_only = false;            // minimum TLS 1.3 instead of 1.2
};

class TlsContextProvider {
 public:
  // Loads the files; throws std::runtime_error with a message naming the file
  // and OpenSSL's reason (start-up path).
  explicit TlsContextProvider(TlsFiles files);

  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Loads the files again and swaps the context in. On failure the current
  // context stays and the reason is returned.
  Result<Ok, std::string> reload();
  // reload() if the files changed since the last successful load (or failed
  // attempt at the same files). Logs the outcome; returns true if reloaded.
  bool reload_if_changed();
  // "CN=mirror.example.com, valid until 2026-01-01 00:00:00 GMT" for the log.
  std::string describe() const;

 private:
  struct Loaded {
    std::shared_ptr<boost::asio::ssl::context> context;
    std::string description;
  };
  Result<Loaded, std::string> load() const;
  std::pair<FileSignature, FileSignature> signatures() const;

  TlsFiles files_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::string description_;
  std::pair<FileSignature, FileSignature> seen_;  // files as of the last attempt
};

}  // namespace regcache::http
