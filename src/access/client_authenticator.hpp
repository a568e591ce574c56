#pragma once
// ClientAuthenticator: checks a request's Basic credentials against the
// htpasswd file (registry:2's auth.htpasswd), the way `docker login` expects:
// 401 with `WWW-Authenticate: Basic realm="..."` until good credentials come.
//
// bcrypt costs tens of milliseconds by design, and Docker sends the
// credentials with every request of a pull; a verified user:password pair is
// therefore remembered (as a SHA-256, never in clear) for a few minutes.
// Wrong passwords are never remembered, so each guess costs a bcrypt run.
// The file is re-read on SIGHUP and when it changes; the memory is then cleared.

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "access/htpasswd.hpp"
#include "util/file_signature.hpp"

namespace regcache::access {

class ClientAuthenticator {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::filesystem::path file;
    std::string realm;
    bool anonymous_pull = false;
    std::chrono::seconds remember{300};
    size_t remember_max = 4096;
  };

  // Throws std::runtime_error naming the file and line (start-up path).
  explicit ClientAuthenticator(Options options);

  enum class Verdict {
    anonymous,      // no credentials, and anonymous pulls are allowed
    authenticated,  // good credentials; `user` is set
    required,       // no credentials: answer 401 with the challenge
    rejected,       // wrong or malformed credentials: 401
  };
  // Blocking (bcrypt): run it on a worker thread. `authorization` is the
  // request's Authorization header ("" when absent).
  Verdict check(std::string_view authorization, std::string& user, Clock::time_point now);

  // The WWW-Authenticate value: Basic realm="<realm>".
  std::string challenge() const;

  // Re-reads the file; on failure keeps the users it had and returns the reason.
  Result<Ok, std::string> reload();
  // reload() when the file changed on disk (logs the outcome).
  bool reload_if_changed();

 private:
  std::shared_ptr<const Htpasswd> users() const;
  bool remembered(const std::string& key, Clock::time_point now);
  void remember(const std::string& key, Clock::time_point now,
                const std::shared_ptr<const Htpasswd>& table);

  Options options_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Htpasswd> users_;
  FileSignature seen_;
  std::unordered_map<std::string, Clock::time_point> verified_;  // sha256(user:password) -> until
};

}  // namespace regcache::access
