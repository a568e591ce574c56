#include "access/client_authenticator.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "access/basic_credentials.hpp"
#include "util/sha256.hpp"

namespace regcache::access {

ClientAuthenticator::ClientAuthenticator(Options options) : options_(std::move(options)) {
  seen_ = FileSignature::of(options_.file);
  auto loaded = Htpasswd::load(options_.file);
  if (!loaded) throw std::runtime_error("auth.htpasswd.path " + loaded.error());
  if (loaded->size() == 0) {
    spdlog::warn("auth: {} has no users; every pull needs credentials nobody has",
                 options_.file.string());
  }
  users_ = std::make_shared<const Htpasswd>(std::move(loaded.value()));
}

std::shared_ptr<const Htpasswd> ClientAuthenticator::users() const {
  std::lock_guard lock(mutex_);
  return users_;
}

std::string ClientAuthenticator::challenge() const {
  return "Basic realm=\"" + options_.realm + "\"";
}

bool ClientAuthenticator::remembered(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = verified_.find(key);
  if (it == verified_.end()) return false;
  if (it->second > now) return true;
  verified_.erase(it);
  return false;
}

void ClientAuthenticator::remember(const std::string& key, Clock::time_point now,
                                   const std::shared_ptr<const Htpasswd>& table) {
  std::lock_guard lock(mutex_);
  if (table != users_) return;  // reloaded meanwhile: the check used the old users
  if (verified_.size() >= options_.remember_max) {
    std::erase_if(verified_, [&](const auto& entry) { return entry.second <= now; });
    if (verified_.size() >= options_.remember_max) verified_.clear();
  }
  verified_[key] = now + options_.remember;
}

ClientAuthenticator::Verdict ClientAuthenticator::check(std::string_view authorization,
                                                        std::string& user, Clock::time_point now) {
  if (authorization.empty()) {
    return options_.anonymous_pull ? Verdict::anonymous : Verdict::required;
  }
  auto credentials = parse_basic_authorization(authorization);
  if (!credentials) return Verdict::rejected;
  // The key proves knowledge of the password without keeping it.
  const std::string key = Sha256::hex_of(credentials->user + '\0' + credentials->password);
  if (!remembered(key, now)) {
    const auto table = users();
    if (!table->verify(credentials->user, credentials->password)) return Verdict::rejected;
    remember(key, now, table);
  }
  user = credentials->user;
  return Verdict::authenticated;
}

Result<Ok, std::string> ClientAuthenticator::reload() {
  const auto signature = FileSignature::of(options_.file);
  auto loaded = Htpasswd::load(options_.file);
  std::lock_guard lock(mutex_);
  seen_ = signature;
  if (!loaded) return fail(loaded.error());
  users_ = std::make_shared<const Htpasswd>(std::move(loaded.value()));
  verified_.clear();  // a removed user or changed password takes effect now
  return Ok{};
}

bool ClientAuthenticator::reload_if_changed() {
  {
    std::lock_guard lock(mutex_);
    if (FileSignature::of(options_.file) == seen_) return false;
  }
  auto reloaded = reload();
  if (!reloaded) {
    spdlog::error(
        "auth: the htpasswd file changed but cannot be used; keeping the previous "
        "users: {}",
        reloaded.error());
    return false;
  }
  spdlog::info("auth: reloaded {} ({} users)", options_.file.string(), users()->size());
  return true;
}

}  // namespace regcache::access
