#pragma once
// UpstreamAuth: the credentials RegistryClient attaches to registry requests.
//
// Nothing is sent until the registry first answers 401. The challenge of that
// answer is remembered for the upstream, so later requests (for any
// repository) get their bearer token up front instead of eating a 401 each:
//  - Bearer: GET <realm>?service=..&scope=repository:<repo>:pull[&scope=<challenge scope>]
//    [&account=<user>], with Basic credentials when a username is configured;
//    tokens are cached per (realm, service, scope) in a TokenCache.
//  - Basic: the configured username/password go to the registry itself.
// Thread-safe.

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "upstream/attempt_error.hpp"
#include "upstream/http_transport.hpp"
#include "upstream/token_cache.hpp"
#include "upstream/www_authenticate.hpp"
#include "util/result.hpp"

namespace regcache::upstream {

struct Credentials {
  RequestAuth auth;
  std::optional<TokenKey> token_key;  // where a bearer token came from
};

class UpstreamAuth {
 public:
  // `upstream` and `transport` must outlive this object.
  UpstreamAuth(const config::UpstreamConfig& upstream, HttpTransport& transport,
               TokenCache::Now now = &TokenCache::Clock::now);

  // What to send with a first request for `repository` ("" for none, e.g. /v2/).
  // `request_id` goes into the token request's log line.
  Result<Credentials, AttemptError> credentials_for(const std::string& repository,
                                                    const std::string& request_id = {});

  // After a 401 to a request sent with `sent`: learns the challenge, drops a
  // rejected token and returns the credentials for one more attempt.
  Result<Credentials, AttemptError> after_unauthorized(const std::string& repository,
                                                       const ResponseHead& head,
                                                       const Credentials& sent,
                                                       const std::string& request_id = {});

  // Before the first request: share bearer tokens with other nodes (TokenCache::share).
  void share_tokens(SharedTokenStore* store) { tokens_.share(store, upstream_.username); }

  // The registry rejected `sent` on the retry: forget the token and describe it.
  AttemptError rejected(const std::string& repository, const Credentials& sent);

 private:
  Result<Credentials, AttemptError> credentials_from(const AuthChallenge& challenge,
                                                     const std::string& repository,
                                                     const std::string& request_id);
  Result<TokenCache::Fetched, UpstreamFailure> fetch_token(const TokenKey& key,
                                                           const std::string& request_id);
  std::string rejection_message(const std::string& repository) const;

  const config::UpstreamConfig& upstream_;
  HttpTransport& transport_;
  TokenCache tokens_;
  mutable std::mutex mutex_;
  std::optional<AuthChallenge> challenge_;  // guarded by mutex_
};

}  // namespace regcache::upstream
