#include "coord/peer_follower.hpp"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <cstdlib>

#include "net/curl_handle.hpp"

namespace regcache::coord {
namespace {

struct Transfer {
  upstream::BlobSink& sink;
  const std::stop_token& stop;
  long status = 0;
  std::optional<uint64_t> length;
  bool started = false;
  uint64_t delivered = 0;
};

size_t on_header(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    auto sp = line.find(' ');
    if (sp != std::string_view::npos) t->status = std::atol(line.data() + sp + 1);
    t->length.reset();
  } else if (line.size() > 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
    t->length = std::strtoull(line.data() + 15, nullptr, 10);
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  if (t->status != 200 || t->stop.stop_requested()) return 0;
  if (!t->started) {
    t->sink.on_start(t->length);
    t->started = true;
  }
  if (!t->sink.on_data({data, size * n})) return 0;
  t->delivered += size * n;
  return size * n;
}

}  // namespace

cache::FetchCoordinator::Followed follow_peer(const std::string& node_url, const std::string& token,
                                              const registry::Digest& digest,
                                              upstream::BlobSink& sink, const std::stop_token& stop,
                                              std::chrono::seconds stall, const PeerTrust& trust) {
  net::ensure_curl_global_init();
  net::CurlHandle curl;
  if (!curl.valid()) return {};
  Transfer transfer{sink, stop};
  const std::string url = node_url + "/_regcache/inflight/" + digest.str();
  net::CurlHeaderList headers;
  headers.append("X-Regcache-Lease: " + token);
  curl.set(CURLOPT_URL, url);
  curl.set(CURLOPT_NOSIGNAL, 1L);
  curl.set(CURLOPT_PROXY, std::string());  // nodes reach each other directly
  curl.set(CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl.set(CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl.set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(stall.count()));
  curl.set(CURLOPT_HTTPHEADER, headers.get());
  // The system CA directory stays trusted (CURLOPT_CAPATH): a node certificate
  // from a public CA verifies either way; a private one needs ca_file.
  if (!trust.ca_file.empty()) curl.set(CURLOPT_CAINFO, trust.ca_file);
  if (trust.skip_verify) {
    curl.set(CURLOPT_SSL_VERIFYPEER, 0L);
    curl.set(CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl.set(CURLOPT_HEADERFUNCTION, &on_header);
  curl.set(CURLOPT_HEADERDATA, &transfer);
  curl.set(CURLOPT_WRITEFUNCTION, &on_body);
  curl.set(CURLOPT_WRITEDATA, &transfer);
  CURLcode rc = curl_easy_perform(curl.get());
  const bool complete = rc == CURLE_OK && transfer.status == 200 && transfer.length &&
                        transfer.delivered == *transfer.length;
  if (!complete) {
    // Not reachable, or no download there (it just ended): routine while waiting.
    spdlog::log(
        transfer.delivered > 0 ? spdlog::level::info : spdlog::level::debug,
        "cache: following {} on {} ended after {} bytes ({})", digest.str(), node_url,
        transfer.delivered,
        rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP " + std::to_string(transfer.status));
  }
  return {transfer.delivered, complete};
}

}  // namespace regcache::coord
