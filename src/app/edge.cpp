#include "app/edge.hpp"

#include <spdlog/spdlog.h>

#include <csignal>

#include "app/listen_endpoint.hpp"
#include "config/config_error.hpp"

namespace regcache::app {
namespace {

http::ServerLimits limits_from(const config::Config& config) {
  const auto& tuning = config.tuning;
  http::ServerLimits limits;
  limits.header_timeout = tuning.request_header_timeout;
  limits.idle_timeout = tuning.idle_timeout;
  limits.max_header_bytes = tuning.max_header_bytes;
  limits.max_connections = tuning.max_connections;
  limits.max_url_bytes = tuning.max_url_bytes;
  limits.max_header_count = tuning.max_header_count;
  limits.max_connections_per_client = config.access.limits.connections_per_client;
  return limits;
}

IpRangeSet ranges(const std::vector<std::string>& texts) {
  auto parsed = IpRangeSet::parse(texts);  // validated when the config was loaded
  return parsed ? std::move(parsed.value()) : IpRangeSet{};
}

access::AccessControls controls_from(const config::Config& config) {
  const auto& access = config.access;
  access::AccessControls controls;
  // Always present: it also knows the health paths, which skip authentication
  // and rate limits even when nothing else about the origin is configured.
  controls.origin = std::make_unique<access::OriginGuard>(access.origin);
  if (access.limits.requests_per_second > 0) {
    controls.rate = std::make_unique<access::RateLimiter>(access.limits.requests_per_second,
                                                          access.limits.request_burst);
  }
  if (access.limits.downloads_per_client > 0) {
    controls.downloads =
        std::make_unique<access::ConcurrencyLimiter>(access.limits.downloads_per_client);
  }
  if (!access.auth.htpasswd.empty()) {
    try {
      controls.auth =
          std::make_unique<access::ClientAuthenticator>(access::ClientAuthenticator::Options{
              access.auth.htpasswd, access.auth.realm, access.auth.anonymous_pull});
    } catch (const std::runtime_error& e) {
      throw config::ConfigError(e.what());
    }
  }
  controls.blob_redirect = access.cdn.blob_redirect;
  return controls;
}

}  // namespace

Edge::Edge(asio::io_context& io, const config::Config& config, http::RequestHandler& api,
           const api::ResponseHeaders& headers)
    : io_(io), config_(config), watch_timer_(io), sighup_(io, SIGHUP) {
  const auto& tls = config.http.tls;
  if (!tls.certificate.empty()) {
    try {
      tls_ = std::make_unique<http::TlsContextProvider>(
          http::TlsFiles{tls.certificate, tls.key, tls.minimum_version == "tls1.3"});
    } catch (const std::runtime_error& e) {
      throw config::ConfigError(e.what());
    }
  }
  gate_ =
      std::make_unique<access::AccessHandler>(api, headers, controls_from(config), auth_workers_);
  const auto limits = limits_from(config);
  main_ = std::make_unique<http::Server>(io, *gate_, limits);
  main_->trust_proxies(ranges(config.access.trusted_proxies));
  if (tls_) main_->use_tls(*tls_);
  main_->listen(listen_endpoint(config.http.host, config.http.port));

  if (!tls.redirect_addr.empty()) {
    redirect_handler_ = std::make_unique<http::HttpsRedirectHandler>(main_->port());
    redirect_ = std::make_unique<http::Server>(io, *redirect_handler_, limits);
    redirect_->trust_proxies(ranges(config.access.trusted_proxies));
    redirect_->listen(listen_endpoint(tls.redirect_host, tls.redirect_port));
  }
}

Edge::~Edge() {
  auth_workers_.stop();
  auth_workers_.join();
  if (rate_workers_) {
    rate_workers_->stop();
    rate_workers_->join();
  }
}

void Edge::set_access_log(const http::AccessLog& log) {
  main_->set_access_log(log);
  if (redirect_) redirect_->set_access_log(log);
}

void Edge::set_observer(http::RequestObserver* observer) {
  main_->set_observer(observer);
  if (redirect_) redirect_->set_observer(observer);
}

void Edge::share_rate_limits(access::SharedRateLimit* shared) {
  if (shared == nullptr || config_.access.limits.requests_per_second == 0) return;
  rate_workers_ = std::make_unique<asio::thread_pool>(2);
  gate_->share_rate_limits(shared, *rate_workers_);
}

void Edge::start() {
  main_->start();
  if (redirect_) {
    redirect_->start();
    spdlog::info("redirecting plain HTTP on port {} to https on port {}", redirect_->port(),
                 main_->port());
  }
  const bool watch =
      (tls_ || gate_->authenticator() != nullptr) && config_.http.tls.reload_interval.count() > 0;
  if (watch) asio::co_spawn(io_, watch_files(), asio::detached);
  asio::co_spawn(io_, wait_for_sighup(), asio::detached);
}

void Edge::stop() {
  main_->stop();
  if (redirect_) redirect_->stop();
  watch_timer_.cancel();
  boost::system::error_code ignored;
  sighup_.cancel(ignored);
}

size_t Edge::connection_count() const {
  return main_->connection_count() + (redirect_ ? redirect_->connection_count() : 0);
}

std::string Edge::describe() const {
  if (!tls_) return "plain HTTP";
  return "TLS " + config_.http.tls.minimum_version + "+ (" + tls_->describe() + ")";
}

void Edge::reload() {
  if (tls_) {
    if (auto reloaded = tls_->reload(); !reloaded) {
      spdlog::error("tls: reload failed; still serving the previous certificate: {}",
                    reloaded.error());
    } else {
      spdlog::info("tls: certificate reloaded: {}", tls_->describe());
    }
  }
  if (auto* auth = gate_->authenticator()) {
    if (auto reloaded = auth->reload(); !reloaded) {
      spdlog::error("auth: reload failed; keeping the previous users: {}", reloaded.error());
    } else {
      spdlog::info("auth: htpasswd file reloaded");
    }
  }
}

asio::awaitable<void> Edge::watch_files() {
  while (true) {
    watch_timer_.expires_after(config_.http.tls.reload_interval);
    boost::system::error_code ec;
    co_await watch_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (tls_) tls_->reload_if_changed();
    if (auto* auth = gate_->authenticator()) auth->reload_if_changed();
  }
}

asio::awaitable<void> Edge::wait_for_sighup() {
  while (true) {
    boost::system::error_code ec;
    co_await sighup_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    spdlog::info("received SIGHUP; reloading the certificate and the htpasswd file");
    reload();
  }
}

}  // namespace regcache::app
