#include "cli/check.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "cli/image_reference.hpp"
#include "cli/mirror_client.hpp"
#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "ops/status_page.hpp"
#include "net/curl_handle.hpp"
#include "upstream/http_transport.hpp"
#include "upstream/registry_client.hpp"
#include "upstream/url_text.hpp"

namespace regcache::cli {
namespace {

using nlohmann::json;

CheckResult pass(std::string name, std::string detail) {
  return {std::move(name), CheckStatus::pass, std::move(detail), {}};
}
CheckResult failed(std::string name, std::string detail, std::string fix) {
  return {std::move(name), CheckStatus::fail, std::move(detail), std::move(fix)};
}
CheckResult skipped(std::string name, std::string why) {
  return {std::move(name), CheckStatus::skip, std::move(why), {}};
}

// The host of an http(s) URL ("https://user@host:port/path" -> "host").
std::string url_host(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find('/'));
  if (auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.empty() && url.front() == '[') return std::string(url.substr(1, url.find(']') - 1));
  return std::string(url.substr(0, url.find(':')));
}

// Whether NO_PROXY sends `host` direct (names and domain suffixes, "*"; CIDR
// ranges are left to libcurl and not evaluated here).
bool bypasses_proxy(const std::string& no_proxy, const std::string& host) {
  size_t start = 0;
  while (start <= no_proxy.size()) {
    auto comma = no_proxy.find(',', start);
    std::string entry =
        no_proxy.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? no_proxy.size() + 1 : comma + 1;
    entry.erase(0, entry.find_first_not_of(' '));
    entry.erase(entry.find_last_not_of(' ') + 1);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.front() == '.') entry.erase(0, 1);
    if (host == entry) return true;
    if (host.size() > entry.size() && host.ends_with("." + entry)) return true;
  }
  return false;
}

std::string redact_proxy(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  return url.substr(0, scheme + 3) + "***@" + url.substr(at + 1);
}

// Parses an HTTP Date header (IMF-fixdate) into unix seconds.
std::optional<int64_t> parse_http_date(const std::string& text) {
  std::tm tm{};
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  return static_cast<int64_t>(::timegm(&tm));
}

CheckResult check_storage(const config::Config& config) {
  const auto& root = config.storage.root;
  const auto probe = root / ".regcache-check-probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, "1", 1) != 1 || ::fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::unlink(probe.c_str());
    return failed("storage", fmt::format("{} is not writable: {}", root.string(), why),
                  "give regcache's user write access to storage.filesystem.rootdirectory, and "
                  "check that the filesystem is not mounted read-only or full");
  }
  ::close(fd);
  ::unlink(probe.c_str());
  struct statvfs fs {};
  if (::statvfs(root.c_str(), &fs) != 0) {
    return pass("storage", fmt::format("{} is writable", root.string()));
  }
  const double size = double(fs.f_blocks) * double(fs.f_frsize);
  const double free = double(fs.f_bavail) * double(fs.f_frsize);
  const double used = size > 0 ? 100.0 * (1.0 - free / size) : 0.0;
  std::string detail = fmt::format("{} is writable; {} free of {} ({:.0f}% used)", root.string(),
                                   ops::format_bytes(free), ops::format_bytes(size), used);
  if (size > 0 && free / size < 0.05) {
    return failed("storage", detail,
                  "free space on this filesystem (less than 5% left): lower proxy.ttl, move "
                  "the cache to a larger disk, or remove unneeded files");
  }
  if (size > 0 && free / size < 0.15) {
    return {"storage", CheckStatus::warn, detail,
            "less than 15% free: plan more space before the cache fills the disk"};
  }
  return pass("storage", detail);
}

// TCP connect to the proxy itself (no request), so a dead proxy gets its own line.
CheckResult check_proxy(const std::string& proxy, const char* variable) {
  net::CurlHandle curl;
  std::string target = proxy;
  // CONNECT_ONLY needs an http(s) URL; socks proxies are probed as plain TCP too.
  if (auto scheme = target.find("://"); scheme != std::string::npos) {
    target = "http://" + target.substr(scheme + 3);
  }
  char error[CURL_ERROR_SIZE] = {};
  curl.set(CURLOPT_URL, target);
  curl.set(CURLOPT_CONNECT_ONLY, 1L);
  curl.set(CURLOPT_NOPROXY, "*");
  curl.set(CURLOPT_CONNECTTIMEOUT, 5L);
  curl.set(CURLOPT_NOSIGNAL, 1L);
  curl.set(CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(curl.get());
  const std::string shown = redact_proxy(proxy);
  if (rc != CURLE_OK) {
    return failed("egress proxy",
                  fmt::format("{} (from {}) is unreachable: {}", shown, variable,
                              error[0] ? error : curl_easy_strerror(rc)),
                  fmt::format("start the proxy or correct {}; hosts reached without it go in "
                              "NO_PROXY",
                              variable));
  }
  return pass("egress proxy", fmt::format("{} (from {}) accepts connections", shown, variable));
}

std::string default_image(const config::UpstreamConfig& upstream) {
  // Docker Hub's documented way to read the quota: a HEAD (free) of this manifest.
  return upstream.name == "docker.io" ? "ratelimitpreview/test:latest" : "";
}

// One upstream of several: `--image` belongs to the default upstream, and the
// results of each are named after it when there are several.
void check_upstream(const config::Config& config, const config::UpstreamConfig& up,
                    const CheckOptions& options, std::vector<CheckResult>& out) {
  const std::string tag = config.upstreams.size() > 1 ? " (" + up.name + ")" : "";
  const std::string image_option = up.name == config.default_upstream ? options.image : "";
  const bool https = up.remote_url.rfind("https://", 0) == 0;
  const std::string& proxy = https ? up.egress.https_proxy : up.egress.http_proxy;
  const char* variable = https ? "HTTPS_PROXY" : "HTTP_PROXY";
  const bool proxied =
      !proxy.empty() && !bypasses_proxy(up.egress.no_proxy, url_host(up.remote_url));
  std::string via = proxied ? " through " + redact_proxy(proxy) : " (direct)";
  if (proxied) {
    auto result = check_proxy(proxy, variable);
    const bool proxy_ok = result.status == CheckStatus::pass;
    out.push_back(std::move(result));
    if (!proxy_ok) {
      out.push_back(skipped("upstream " + up.name, "not checked: the egress proxy is unreachable"));
      out.push_back(skipped("credentials" + tag, "not checked: the upstream cannot be reached"));
      out.push_back(skipped("quota" + tag, "not checked: the upstream cannot be reached"));
      out.push_back(skipped("clock" + tag, "not checked: the upstream cannot be reached"));
      return;
    }
  }

  // Reachability: GET /v2/ without credentials; any HTTP answer means reachable.
  upstream::HttpTransport transport(
      upstream::TransportSettings{up.name, std::string("regcache/") + build_info::kVersion,
                                  config.tuning.upstream_connect_timeout,
                                  config.tuning.upstream_stall_timeout, up.egress, 1, up.trust});
  upstream::HttpRequest ping;
  ping.url = up.remote_url + "/v2/";
  ping.kind = "ping";
  auto answer = transport.perform(ping, nullptr, {});
  const long status = answer.head.status();
  if (answer.error || status == 0) {
    out.push_back(failed(
        "upstream " + up.name,
        fmt::format("{} cannot be reached{}: {}", up.remote_url, via,
                    answer.error_detail.empty() ? "no answer" : answer.error_detail),
        proxied ? fmt::format("check that the proxy allows {} (CONNECT for https); or add the "
                              "host to NO_PROXY if it is reached directly",
                              up.remote_url)
                : "check DNS, routes and firewalls from this host to the upstream; behind a "
                  "corporate network set HTTPS_PROXY/HTTP_PROXY"));
    out.push_back(skipped("credentials" + tag, "not checked: the upstream cannot be reached"));
    out.push_back(skipped("quota" + tag, "not checked: the upstream cannot be reached"));
    out.push_back(skipped("clock" + tag, "not checked: the upstream cannot be reached"));
    return;
  }
  if (status >= 500) {
    out.push_back(failed("upstream " + up.name,
                         fmt::format("{} answered HTTP {}{}", up.remote_url, status, via),
                         "the upstream itself is failing; the mirror serves its cache meanwhile"));
  } else {
    out.push_back(
        pass("upstream " + up.name, fmt::format("{} answered HTTP {} in {} ms{}", up.remote_url,
                                                status, answer.duration.count(), via)));
  }

  // Credentials: the real token flow of the mirror.
  std::string image_text = image_option.empty() ? default_image(up) : image_option;
  std::optional<ImageReference> image;
  if (!image_text.empty()) {
    if (auto parsed = parse_image_reference(image_text)) image = parsed.value();
  }
  std::string repository = image ? image->repository : "library/alpine";
  if (up.docker_hub_library_rule && repository.find('/') == std::string::npos) {
    repository = "library/" + repository;
  }
  upstream::RegistryClient client(up, config.tuning);
  auto checked = client.check(repository);
  const std::string who = up.username.empty() ? "anonymous" : "user \"" + up.username + "\"";
  if (!checked) {
    const auto& f = checked.error();
    if (f.kind == upstream::FailureKind::unauthorized || f.kind == upstream::FailureKind::denied) {
      out.push_back(failed("credentials" + tag, f.message,
                           up.username.empty()
                               ? "this upstream needs an account: set proxy.username and "
                                 "proxy.password (or REGISTRY_PROXY_USERNAME/_PASSWORD), or "
                                 "username and password in its regcache.upstreams entry"
                               : "correct proxy.password (or REGISTRY_PROXY_PASSWORD, or the "
                                 "password of its regcache.upstreams entry); for Docker Hub use "
                                 "an access token, not the account password"));
    } else {
      out.push_back(failed("credentials" + tag, f.message,
                           "the token flow failed for another reason: see the message"));
    }
  } else {
    out.push_back(
        pass("credentials" + tag, fmt::format("{} obtained a token for {}:pull", who, repository)));
  }

  // Quota: a HEAD of a manifest (free on Docker Hub) shows ratelimit-* headers.
  if (!image) {
    out.push_back(skipped("quota" + tag, "pass --image to read the upstream's pull quota"));
  } else {
    std::string quota_repo = repository;
    auto head = client.get_manifest(quota_repo, image->reference, /*head_only=*/true);
    auto quota = client.quota();
    if (quota.remaining) {
      const auto remaining = std::atoll(quota.remaining->c_str());
      const auto limit = quota.limit ? std::atoll(quota.limit->c_str()) : 0;
      std::string detail =
          fmt::format("{} pulls left{} (ratelimit-remaining: {})", remaining,
                      limit > 0 ? fmt::format(" of {}", limit) : "", *quota.remaining);
      if (remaining <= 0) {
        out.push_back(failed("quota" + tag, detail,
                             "the pull quota is spent: wait for the window to pass, or log in "
                             "with an account that has a higher limit (proxy.username)"));
      } else if (limit > 0 && remaining * 10 < limit) {
        out.push_back({"quota" + tag, CheckStatus::warn, detail,
                       "less than 10% left: prefetch fewer images now, or use an account"});
      } else {
        out.push_back(pass("quota" + tag, detail));
      }
    } else if (!head && head.error().kind == upstream::FailureKind::too_many_requests) {
      out.push_back(failed("quota" + tag, head.error().message,
                           "the pull quota is spent: wait, or use an account with a higher limit"));
    } else {
      out.push_back(pass("quota" + tag, fmt::format("{} announces no pull quota", up.name)));
    }
  }

  // Clock: tokens carry issue and expiry times; a skewed clock breaks them.
  auto date = answer.head.get("date");
  auto upstream_time = date ? parse_http_date(*date) : std::nullopt;
  if (!upstream_time) {
    out.push_back(skipped("clock" + tag, "the upstream sent no Date header to compare with"));
  } else {
    const int64_t skew = static_cast<int64_t>(std::time(nullptr)) - *upstream_time;
    const int64_t magnitude = skew < 0 ? -skew : skew;
    const std::string detail = magnitude <= 1
                                   ? "within 1 s of the upstream's clock"
                                   : fmt::format("{} s {} the upstream's clock", magnitude,
                                                 skew > 0 ? "ahead of" : "behind");
    if (magnitude > options.clock_skew_limit_seconds) {
      out.push_back(failed("clock" + tag, detail,
                           "synchronise the clock (chrony, systemd-timesyncd or ntpd): tokens "
                           "are rejected as expired or not yet valid"));
    } else {
      out.push_back(pass("clock" + tag, detail));
    }
  }
}

void check_mirror(const CheckOptions& options, std::vector<CheckResult>& out) {
  MirrorClient client(options.mirror_url, std::chrono::seconds(30));
  auto base = client.get("/v2/");
  if (!base.ok()) {
    out.push_back(failed("mirror /v2/",
                         fmt::format("{} does not answer: {}", options.mirror_url, base.error),
                         "start regcache (regcache serve) and check http.addr, firewalls and the "
                         "URL given to --mirror"));
    return;
  }
  const auto api = base.head.get("docker-distribution-api-version");
  if (base.head.status() != 200 || api != "registry/2.0") {
    out.push_back(failed("mirror /v2/",
                         fmt::format("{}/v2/ answered HTTP {} without "
                                     "Docker-Distribution-API-Version: registry/2.0",
                                     options.mirror_url, base.head.status()),
                         "the URL does not point at a registry mirror (wrong port or path, or a "
                         "proxy in front that rewrites answers)"));
  } else {
    out.push_back(
        pass("mirror /v2/", fmt::format("{}/v2/ answered 200 in {:.1f} ms", options.mirror_url,
                                        base.duration.count() * 1000)));
  }
  std::string headers;
  for (const auto& [name, value] : base.head.fields()) {
    if (name == "date" || name == "content-length") continue;
    headers += (headers.empty() ? "" : "; ") + name + ": " + value;
  }
  out.push_back(pass("mirror headers", headers));

  auto ready = client.get("/readyz");
  if (!ready.ok() || ready.head.status() == 404) {
    out.push_back(skipped("mirror ready", "no /readyz at this URL"));
  } else if (ready.head.status() == 200) {
    out.push_back(pass("mirror ready", "/readyz answered 200"));
  } else {
    std::string why;
    auto report = json::parse(ready.body, nullptr, false);
    if (report.is_object() && report.contains("checks") && report["checks"].is_array()) {
      for (const auto& c : report["checks"]) {
        if (c.is_object() && c.value("ok", true) == false) {
          why += (why.empty() ? "" : "; ") + c.value("name", std::string()) + ": " +
                 c.value("detail", std::string());
        }
      }
    }
    out.push_back(failed("mirror ready",
                         fmt::format("/readyz answered {}: {}", ready.head.status(), why),
                         "fix what the check names (storage writable, index)"));
  }

  if (options.image.empty()) {
    out.push_back(skipped("cached blob speed", "pass --image to time a cached blob"));
    return;
  }
  auto image = parse_image_reference(options.image);
  if (!image) {
    out.push_back(failed("cached blob speed", image.error(), "correct --image"));
    return;
  }
  // Resolve to one manifest (the first platform of an index), pick its largest layer.
  auto manifest = client.get(image->manifest_path(), {kManifestAcceptHeader});
  auto body = json::parse(manifest.body, nullptr, false);
  if (manifest.ok() && manifest.head.status() == 200 && body.is_object() &&
      body.contains("manifests") && body["manifests"].is_array() && !body["manifests"].empty()) {
    ImageReference child = *image;
    child.reference = body["manifests"][0].value("digest", std::string());
    child.by_digest = true;
    manifest = client.get(child.manifest_path(), {kManifestAcceptHeader});
    body = json::parse(manifest.body, nullptr, false);
  }
  if (!manifest.ok() || manifest.head.status() != 200 || !body.is_object()) {
    out.push_back(
        failed("cached blob speed",
               fmt::format("manifest of {}: {}", image->text(),
                           manifest.error.empty() ? "HTTP " + std::to_string(manifest.head.status())
                                                  : manifest.error),
               "pull or prefetch the image through the mirror first"));
    return;
  }
  std::string digest;
  uint64_t largest = 0;
  if (body.contains("layers") && body["layers"].is_array()) {
    for (const auto& layer : body["layers"]) {
      const uint64_t size = layer.value("size", uint64_t{0});
      if (size >= largest && layer.contains("digest")) {
        largest = size;
        digest = layer.value("digest", std::string());
      }
    }
  }
  if (digest.empty()) {
    out.push_back(skipped("cached blob speed", "the image has no layers"));
    return;
  }
  client.get(image->blob_path(digest), {}, false);  // make sure it is cached
  auto timed = client.get(image->blob_path(digest), {}, false);
  if (!timed.ok() || timed.head.status() != 200) {
    out.push_back(
        failed("cached blob speed",
               fmt::format("blob {}: {}", digest,
                           timed.error.empty() ? "HTTP " + std::to_string(timed.head.status())
                                               : timed.error),
               "see the mirror's log for this request"));
    return;
  }
  const double seconds = std::max(timed.duration.count(), 1e-6);
  out.push_back(pass("cached blob speed",
                     fmt::format("{} ({}) in {:.3f} s: {}/s, X-Cache: {}", digest.substr(0, 19),
                                 ops::format_bytes(double(timed.body_bytes)), seconds,
                                 ops::format_bytes(double(timed.body_bytes) / seconds),
                                 timed.head.get("x-cache").value_or("not sent"))));
}

}  // namespace

const char* to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::pass:
      return "pass";
    case CheckStatus::warn:
      return "warn";
    case CheckStatus::fail:
      return "fail";
    case CheckStatus::skip:
      return "skip";
  }
  return "fail";
}

std::vector<CheckResult> run_checks(const CheckOptions& options) {
  std::vector<CheckResult> out;
  if (options.check_config) {
    std::optional<config::Config> loaded;
    try {
      auto env = config::process_environment();
      std::optional<std::filesystem::path> file;
      if (options.config_path) {
        file = *options.config_path;
      } else {
        file = config::configuration_path_from_environment(env);
      }
      loaded = config::load_config(file, env);
      std::string detail =
          file ? file->string() + " is valid" : "no config file: defaults are valid";
      if (!loaded->warnings.empty()) {
        detail += fmt::format(" ({} warning{}: {})", loaded->warnings.size(),
                              loaded->warnings.size() == 1 ? "" : "s", loaded->warnings.front());
      }
      out.push_back(pass("config", detail));
    } catch (const config::ConfigError& e) {
      out.push_back(failed("config", e.what(),
                           "correct the setting named in the message (docs/configuration.md "
                           "lists every key)"));
    }
    if (loaded) {
      out.push_back(check_storage(*loaded));
      for (const auto& up : loaded->upstreams) check_upstream(*loaded, up, options, out);
    }
  }
  if (!options.mirror_url.empty()) check_mirror(options, out);
  return out;
}

bool any_failed(const std::vector<CheckResult>& results) {
  for (const auto& r : results) {
    if (r.status == CheckStatus::fail) return true;
  }
  return false;
}

void print_text(const std::vector<CheckResult>& results, std::FILE* out) {
  size_t width = 0;
  for (const auto& r : results) width = std::max(width, r.name.size());
  for (const auto& r : results) {
    std::string label = to_string(r.status);
    for (auto& c : label) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::fputs(fmt::format("{:<5} {:<{}}  {}\n", label, r.name, width, r.detail).c_str(), out);
    if (!r.fix.empty()) {
      std::fputs(fmt::format("      {:<{}}  -> {}\n", "", width, r.fix).c_str(), out);
    }
  }
  size_t failures = 0;
  for (const auto& r : results) failures += r.status == CheckStatus::fail;
  std::fputs(failures == 0
                 ? "all checks passed\n"
                 : fmt::format("{} check{} failed\n", failures, failures == 1 ? "" : "s").c_str(),
             out);
}

void print_json(const std::vector<CheckResult>& results, std::FILE* out) {
  json doc{{"ok", !any_failed(results)}, {"checks", json::array()}};
  for (const auto& r : results) {
    doc["checks"].push_back(
        {{"name", r.name}, {"status", to_string(r.status)}, {"detail", r.detail}, {"fix", r.fix}});
  }
  std::fputs((doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n").c_str(), out);
}

}  // namespace regcache::cli
