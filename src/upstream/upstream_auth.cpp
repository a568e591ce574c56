#include "upstream/upstream_auth.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "upstream/token_response.hpp"
#include "upstream/url_text.hpp"

namespace regcache::upstream {
namespace {

constexpr size_t kTokenBodyLimit = 1024 * 1024;

// The scope we need for `repository`, plus whatever the challenge asked for,
// sorted and de-duplicated so that equal sets share a cache entry.
std::string scope_for(const std::string& repository, const std::string& challenge_scope) {
  std::set<std::string> scopes;
  if (!repository.empty()) scopes.insert("repository:" + repository + ":pull");
  std::istringstream extra(challenge_scope);
  for (std::string scope; extra >> scope;) scopes.insert(scope);
  std::string joined;
  for (const auto& scope : scopes) {
    if (!joined.empty()) joined += ' ';
    joined += scope;
  }
  return joined;
}

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

AttemptError protocol_error(std::string message) {
  return attempt_error(UpstreamFailure{FailureKind::protocol, 401, std::move(message), {}});
}

}  // namespace

UpstreamAuth::UpstreamAuth(const config::UpstreamConfig& upstream, HttpTransport& transport,
                           TokenCache::Now now)
    : upstream_(upstream), transport_(transport), tokens_(std::move(now)) {}

Result<Credentials, AttemptError> UpstreamAuth::credentials_for(const std::string& repository,
                                                                const std::string& request_id) {
  std::optional<AuthChallenge> known;
  {
    std::lock_guard lock(mutex_);
    known = challenge_;
  }
  if (!known) return Credentials{};
  AuthChallenge challenge = *known;
  // A remembered challenge carries the scope of the request that got it; only
  // this request's scope matters now.
  std::erase_if(challenge.params, [](const auto& p) { return p.first == "scope"; });
  return credentials_from(challenge, repository, request_id);
}

Result<Credentials, AttemptError> UpstreamAuth::after_unauthorized(const std::string& repository,
                                                                   const ResponseHead& head,
                                                                   const Credentials& sent,
                                                                   const std::string& request_id) {
  std::vector<AuthChallenge> challenges;
  bool malformed = false;
  auto values = head.get_all("www-authenticate");
  for (const auto& value : values) {
    auto parsed = parse_www_authenticate(value);
    if (!parsed) {
      malformed = true;
      continue;
    }
    challenges.insert(challenges.end(), parsed->begin(), parsed->end());
  }
  auto bearer = std::find_if(challenges.begin(), challenges.end(), [](const AuthChallenge& c) {
    return c.scheme == AuthChallenge::Scheme::bearer;
  });
  auto basic = std::find_if(challenges.begin(), challenges.end(), [](const AuthChallenge& c) {
    return c.scheme == AuthChallenge::Scheme::basic;
  });
  const AuthChallenge* chosen = bearer != challenges.end()  ? &*bearer
                                : basic != challenges.end() ? &*basic
                                                            : nullptr;
  if (chosen == nullptr) {
    if (values.empty()) {
      return fail(attempt_error(UpstreamFailure{
          FailureKind::unauthorized,
          401,
          fmt::format("upstream {} answered 401 without a WWW-Authenticate challenge",
                      upstream_.name),
          {}}));
    }
    return fail(protocol_error(
        fmt::format("upstream {} answered 401 with an unusable WWW-Authenticate challenge{}",
                    upstream_.name, malformed ? " (malformed)" : "")));
  }
  if (chosen->scheme == AuthChallenge::Scheme::bearer && !is_http_url(chosen->realm())) {
    return fail(protocol_error(
        fmt::format("upstream {} sent a Bearer challenge without a usable realm", upstream_.name)));
  }
  if (sent.token_key) tokens_.invalidate(*sent.token_key, sent.auth.token);
  if (chosen->scheme == AuthChallenge::Scheme::basic &&
      (upstream_.username.empty() || sent.auth.scheme == RequestAuth::Scheme::basic)) {
    return fail(attempt_error(
        UpstreamFailure{FailureKind::unauthorized, 401, rejection_message(repository), {}}));
  }
  {
    std::lock_guard lock(mutex_);
    challenge_ = *chosen;
  }
  return credentials_from(*chosen, repository, request_id);
}

AttemptError UpstreamAuth::rejected(const std::string& repository, const Credentials& sent) {
  if (sent.token_key) tokens_.invalidate(*sent.token_key, sent.auth.token);
  return attempt_error(
      UpstreamFailure{FailureKind::unauthorized, 401, rejection_message(repository), {}});
}

Result<Credentials, AttemptError> UpstreamAuth::credentials_from(const AuthChallenge& challenge,
                                                                 const std::string& repository,
                                                                 const std::string& request_id) {
  Credentials credentials;
  if (challenge.scheme == AuthChallenge::Scheme::basic) {
    if (!upstream_.username.empty()) {
      credentials.auth.scheme = RequestAuth::Scheme::basic;
      credentials.auth.username = upstream_.username;
      credentials.auth.password = upstream_.password;
    }
    return credentials;
  }
  TokenKey key{challenge.realm(), challenge.service(), scope_for(repository, challenge.scope())};
  auto token = tokens_.get(key, [this, &key, &request_id] { return fetch_token(key, request_id); });
  if (!token) return fail(attempt_error(token.error()));
  credentials.auth.scheme = RequestAuth::Scheme::bearer;
  credentials.auth.token = std::move(token.value());
  credentials.token_key = std::move(key);
  return credentials;
}

Result<TokenCache::Fetched, UpstreamFailure> UpstreamAuth::fetch_token(
    const TokenKey& key, const std::string& request_id) {
  std::string url = key.realm;
  char separator = url.find('?') == std::string::npos ? '?' : '&';
  auto add = [&](std::string_view name, const std::string& value) {
    url += separator;
    url += name;
    url += '=';
    url += percent_encode(value);
    separator = '&';
  };
  if (!key.service.empty()) add("service", key.service);
  std::istringstream scopes(key.scope);
  for (std::string scope; scopes >> scope;) add("scope", scope);
  if (!upstream_.username.empty()) add("account", upstream_.username);

  HttpRequest request;
  request.url = url;
  request.body_limit = kTokenBodyLimit;
  request.kind = "token";
  request.request_id = request_id;
  if (!upstream_.username.empty()) {
    request.auth.scheme = RequestAuth::Scheme::basic;
    request.auth.username = upstream_.username;
    request.auth.password = upstream_.password;
  }
  // No stop token: waiters of other requests may share this fetch. It is
  // bounded by the connect and stall timeouts and the body limit.
  HttpOutcome outcome = transport_.perform(request, nullptr, {});
  const std::string what = fmt::format("a token for {}", key.scope.empty() ? "/v2/" : key.scope);
  if (outcome.error) return fail(transport_error(outcome, upstream_.name, what).failure);
  const long status = outcome.head.status();
  if (status == 401 || status == 403) {
    std::string message =
        upstream_.username.empty()
            ? fmt::format("upstream {} token endpoint refused anonymous access ({})",
                          upstream_.name, key.scope)
            : fmt::format("upstream {} rejected the credentials for user \"{}\"", upstream_.name,
                          upstream_.username);
    return fail(UpstreamFailure{status == 401 ? FailureKind::unauthorized : FailureKind::denied,
                                status,
                                std::move(message),
                                {}});
  }
  if (status != 200) return fail(status_error(outcome, upstream_.name, what).failure);
  auto grant = parse_token_response(outcome.body);
  if (!grant) {
    return fail(UpstreamFailure{
        FailureKind::protocol,
        status,
        fmt::format("upstream {} token endpoint answered without a token", upstream_.name),
        {}});
  }
  auto lifetime = remaining_lifetime(*grant, std::chrono::system_clock::now());
  spdlog::debug("upstream {}: token for \"{}\" valid for {} s", upstream_.name, key.scope,
                lifetime.count());
  return TokenCache::Fetched{std::move(grant->token), lifetime};
}

std::string UpstreamAuth::rejection_message(const std::string& repository) const {
  if (!upstream_.username.empty()) {
    return fmt::format("upstream {} rejected the credentials for user \"{}\"", upstream_.name,
                       upstream_.username);
  }
  return fmt::format("upstream {} requires credentials for {} (none configured)", upstream_.name,
                     repository.empty() ? std::string("/v2/") : repository);
}

}  // namespace regcache::upstream
