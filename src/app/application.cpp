#include "app/application.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "control/control_server.hpp"
#include "control/control_socket.hpp"
#include "api/registry_handler.hpp"
#include "app/edge.hpp"
#include "app/listen_endpoint.hpp"
#include "app/logging.hpp"
#include "app/object_store_readiness.hpp"
#include "app/scale_out.hpp"
#include "build_info.hpp"
#include "cache/blob_fetcher.hpp"
#include "cache/pull_through_cache.hpp"
#include "http/connection_contexts.hpp"
#include "http/server.hpp"
#include "index/cache_index.hpp"
#include "lifecycle/cache_lock.hpp"
#include "lifecycle/content_backend.hpp"
#include "lifecycle/housekeeper.hpp"
#include "lifecycle/reconciler.hpp"
#include "ops/ops_handler.hpp"
#include "ops/readiness.hpp"
#include "ops/telemetry.hpp"
#include "upstream/fetch_limited_upstream.hpp"
#include "upstream/registry_client.hpp"
#include "util/asio.hpp"

namespace regcache::app {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(10);
constexpr auto kAccessFlushInterval = std::chrono::seconds(10);
constexpr auto kHistoryInterval = std::chrono::seconds(10);  // one TrafficHistory slot
// Threads for blocking reads of cached content from object storage (one ranged
// GET per chunk of a response), so they leave the I/O threads alone.
constexpr std::size_t kStorageReaders = 4;

void log_upstreams(const config::Config& config) {
  for (const auto& upstream : config.upstreams) {
    std::string also;
    for (const auto& alias : upstream.aliases) also += (also.empty() ? "" : ", ") + alias;
    for (const auto& host : upstream.hosts) also += (also.empty() ? "" : ", ") + ("Host " + host);
    spdlog::info(
        "upstream {} ({}){}{}", upstream.name, upstream.remote_url,
        upstream.name == config.default_upstream ? "; default for requests naming no registry" : "",
        also.empty() ? "" : "; also selected by " + also);
  }
  if (config.default_upstream.empty()) {
    spdlog::info(
        "no default upstream: requests must name their registry (path prefix, ns or Host)");
  }
}

// regcache.limits.upstream_fetches: every upstream shares one budget.
std::unique_ptr<upstream::UpstreamRegistry> limit_fetches(
    std::unique_ptr<upstream::UpstreamRegistry> client, upstream::FetchBudget* budget) {
  if (budget == nullptr) return client;
  return std::make_unique<upstream::FetchLimitedUpstream>(std::move(client), *budget);
}

asio::awaitable<void> sample_history(asio::steady_timer& timer, ops::Telemetry& telemetry) {
  while (true) {
    telemetry.sample_history();
    timer.expires_after(kHistoryInterval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

// `shared` (nodes on one bucket with Redis) gets the times too; it only buffers them.
asio::awaitable<void> flush_access_times(asio::steady_timer& timer, index::CacheIndex& index,
                                         lifecycle::CollectorCoordination* shared) {
  while (true) {
    timer.expires_after(kAccessFlushInterval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    auto flushed = index.flush_access_times();
    if (shared != nullptr && !flushed.empty()) shared->record_access(flushed);
  }
}

asio::awaitable<void> drain_then_stop(Edge& server, asio::io_context& io) {
  asio::steady_timer poll(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
  while (server.connection_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    poll.expires_after(std::chrono::milliseconds(50));
    boost::system::error_code ec;
    co_await poll.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (server.connection_count() > 0) {
    spdlog::warn("shutdown: closing {} connection(s) still busy after {} s",
                 server.connection_count(), kShutdownGrace.count());
  }
  io.stop();
}

}  // namespace

Application::Application(config::Config config) : config_(std::move(config)) {}

int Application::run() {
  EventLog events = setup_logging(config_.log_level, config_.log_format);
  for (const auto& warning : config_.warnings) spdlog::warn("config: {}", warning);

  lifecycle::ContentBackend backend(config_.storage);
  storage::ContentStore& store = backend.store();
  auto lock = lifecycle::CacheLock::acquire(backend.data_dir());
  if (!lock) throw std::runtime_error(lock.error());
  index::CacheIndex index(backend.data_dir() / "index.sqlite");
  ScaleOut scale_out(config_, backend);  // other nodes on the same bucket
  // staging, orphans (unless other nodes write to the store), entries without files
  lifecycle::reconcile(index, store, scale_out.shared());

  SystemClock clock;
  // Operators' view (metrics, status page, upstream states, upstream log lines).
  // Reads the server's connection count once it exists.
  Edge* main_server = nullptr;
  cache::BlobFetcher* fetcher_view = nullptr;
  ops::MirrorMetrics::Sources sources;
  sources.cache_bytes = [&index] { return index.total_bytes(); };
  sources.cache_objects = [&index] { return uint64_t(index.object_count()); };
  sources.downloads_in_flight = [&fetcher_view] {
    return fetcher_view ? uint64_t(fetcher_view->inflight_count()) : 0;
  };
  sources.open_connections = [&main_server] {
    return main_server ? uint64_t(main_server->connection_count()) : 0;
  };
  sources.storage_root = config_.storage.root;
  lifecycle::Housekeeper* housekeeper_view = nullptr;
  ops::LifecycleStatusSource lifecycle_status = [&housekeeper_view, &fetcher_view] {
    ops::LifecycleStatus status;
    if (housekeeper_view != nullptr) {
      auto counters = housekeeper_view->counters();
      status.budget_bytes = counters.budget;
      status.evictions = counters.evictions;
      status.gc_runs = counters.gc_runs;
      status.collector = counters.collector;
    }
    if (fetcher_view != nullptr) {
      auto storage = fetcher_view->storage_status().state();
      status.caching_paused = !storage.caching;
      status.paused_reason = storage.reason;
    }
    return status;
  };
  sources.lifecycle = lifecycle_status;
  std::vector<std::string> upstream_names;
  for (const auto& upstream : config_.upstreams) upstream_names.push_back(upstream.name);
  ops::Telemetry telemetry(std::move(upstream_names), std::move(sources), events, clock);

  std::unique_ptr<upstream::FetchBudget> fetch_budget;
  if (config_.access.limits.upstream_fetches > 0) {
    fetch_budget = std::make_unique<upstream::FetchBudget>(config_.access.limits.upstream_fetches);
  }
  std::vector<std::unique_ptr<upstream::UpstreamRegistry>> clients;
  for (const auto& upstream : config_.upstreams) {
    auto client = std::make_unique<upstream::RegistryClient>(upstream, config_.tuning);
    client->set_observer(&telemetry);
    if (auto* tokens = scale_out.token_store()) client->share_tokens(tokens);
    clients.push_back(limit_fetches(std::move(client), fetch_budget.get()));
  }
  api::UpstreamRouter router(std::move(clients), config_.default_upstream);

  const auto& tuning = config_.tuning;
  asio::thread_pool upstream_workers(tuning.upstream_workers);
  cache::BlobFetcher fetcher(store, index, upstream_workers, clock);
  fetcher_view = &fetcher;
  cache::PullThroughCache cache(store, index, fetcher, upstream_workers, clock,
                                tuning.upstream_workers / 2);
  std::unique_ptr<lifecycle::BucketCollector> bucket_collector;  // outlives the housekeeper
  lifecycle::Housekeeper housekeeper(config_, backend.data_dir(), store, index, &fetcher, clock);
  housekeeper_view = &housekeeper;
  if (scale_out.shared()) {
    if (auto* coordination = scale_out.lifecycle_coordination()) {
      bucket_collector = std::make_unique<lifecycle::BucketCollector>(
          config_, backend.data_dir(), *backend.s3(), index, &fetcher, *coordination, clock);
    }
    housekeeper.share_bucket(bucket_collector.get(), scale_out.catalog());
  }
  fetcher.on_stored([&housekeeper] { housekeeper.wake(); });
  scale_out.attach(fetcher, cache);
  api::ResponseHeaders headers(config_.http.headers);
  const auto& client_auth = config_.access.auth;
  headers.use_cache_policy(
      api::CachePolicy(config_.access.cdn.tag_max_age,
                       !client_auth.htpasswd.empty() && !client_auth.anonymous_pull));
  asio::thread_pool storage_readers(kStorageReaders);
  api::RegistryHandler handler(cache, router, headers, tuning.upstream_stall_timeout,
                               storage_readers);

  unsigned io_threads = tuning.io_threads ? tuning.io_threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context io(static_cast<int>(io_threads));
  http::ServerLimits limits;
  limits.header_timeout = tuning.request_header_timeout;
  limits.idle_timeout = tuning.idle_timeout;
  limits.max_header_bytes = tuning.max_header_bytes;
  limits.max_connections = tuning.max_connections;
  ops::Readiness readiness(backend.data_dir() / "staging", index, telemetry.upstreams(),
                           lifecycle_status);
  add_object_store_check(readiness, backend);
  const bool separate_admin = !config_.admin.addr.empty();
  ops::OpsHandler main_handler(
      telemetry, readiness,
      &scale_out.front(handler, fetcher, headers, tuning.upstream_stall_timeout, storage_readers),
      separate_admin ? ops::OpsHandler::Endpoints::probes_only : ops::OpsHandler::Endpoints::all);
  // Listeners (plain or TLS, the https redirect) and the access gate in front.
  Edge server(io, config_, main_handler, headers);
  server.set_access_log(http::AccessLog(events));
  server.set_observer(&telemetry);
  server.share_rate_limits(scale_out.rate_limit());
  server.admit_peers(scale_out.peer_admission());
  main_server = &server;
  // Client connections get their own threads, one io_context each; the
  // io_context above keeps the listeners, timers and the control socket.
  http::ConnectionContexts connections(io_threads);
  server.use_connection_contexts(connections);
  connections.start();
  server.start();

  control::ControlServer control(io, {config_, index, housekeeper});
  control.listen(control::control_socket_path(backend.data_dir()));
  housekeeper.start();

  ops::OpsHandler admin_handler(telemetry, readiness, nullptr, ops::OpsHandler::Endpoints::all);
  std::unique_ptr<http::Server> admin;
  if (separate_admin) {
    admin = std::make_unique<http::Server>(io, admin_handler, limits);
    admin->set_access_log(http::AccessLog(events));
    admin->listen(listen_endpoint(config_.admin.host, config_.admin.port));
    admin->start();
    spdlog::info("admin listener (metrics, status page, probes) on {} port {}",
                 config_.admin.host.empty() ? "all interfaces" : config_.admin.host, admin->port());
  }

  asio::steady_timer history_timer(io);
  asio::co_spawn(io, sample_history(history_timer, telemetry), asio::detached);

  asio::steady_timer flush_timer(io);
  asio::co_spawn(io, flush_access_times(flush_timer, index, scale_out.lifecycle_coordination()),
                 asio::detached);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("received signal {}; stopping", signal);
    server.stop();
    control.stop();
    if (admin) admin->stop();
    fetcher.stop();
    flush_timer.cancel();
    history_timer.cancel();
    asio::co_spawn(io, drain_then_stop(server, io), asio::detached);
  });

  spdlog::info("regcache {} ({}) listening on {} port {} ({}); cache in {}; {} cached objects",
               build_info::kVersion, build_info::kCommit,
               config_.http.host.empty() ? "all interfaces" : config_.http.host, server.port(),
               server.describe(), backend.describe(), index.object_count());
  log_upstreams(config_);

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < io_threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  connections.stop();
  storage_readers.stop();
  storage_readers.join();

  housekeeper.stop();
  upstream_workers.stop();
  upstream_workers.join();
  index.flush_access_times();
  spdlog::info("stopped");
  return 0;
}

}  // namespace regcache::app
