#include "cli/mirror_client.hpp"

#include "build_info.hpp"

namespace regcache::cli {

const char* const kManifestAcceptHeader =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

namespace {

constexpr size_t kMaxKeptBody = 8 * 1024 * 1024;  // manifests and small answers only

struct Transfer {
  MirrorResponse* out;
  bool keep_body;
  const std::function<void(uint64_t)>* on_bytes;
  bool too_large = false;

  static size_t header(char* data, size_t size, size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    t->out->head.add_line(std::string_view(data, size * count));
    return size * count;
  }
  static size_t write(char* data, size_t size, size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    const size_t n = size * count;
    t->out->body_bytes += n;
    if (t->on_bytes != nullptr && *t->on_bytes) (*t->on_bytes)(n);
    if (t->keep_body) {
      if (t->out->body.size() + n > kMaxKeptBody) {
        t->too_large = true;
        return 0;
      }
      t->out->body.append(data, n);
    }
    return n;
  }
};

}  // namespace

MirrorClient::MirrorClient(std::string base_url, std::chrono::seconds stall_timeout)
    : base_url_(std::move(base_url)), stall_timeout_(stall_timeout) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

MirrorResponse MirrorClient::get(const std::string& path, const std::vector<std::string>& headers,
                                 bool keep_body, const std::function<void(uint64_t)>& on_bytes) {
  return perform(path, headers, false, keep_body, on_bytes);
}

MirrorResponse MirrorClient::head(const std::string& path,
                                  const std::vector<std::string>& headers) {
  return perform(path, headers, true, false, {});
}

MirrorResponse MirrorClient::perform(const std::string& path,
                                     const std::vector<std::string>& headers, bool head_only,
                                     bool keep_body,
                                     const std::function<void(uint64_t)>& on_bytes) {
  MirrorResponse out;
  if (!curl_.valid()) {
    out.error = "cannot create a curl handle";
    return out;
  }
  curl_.reset();
  net::CurlHeaderList list;
  for (const auto& h : headers) list.append(h);
  Transfer transfer{&out, keep_body, &on_bytes};
  const std::string url = base_url_ + path;
  const std::string agent = std::string("regcache/") + build_info::kVersion;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_.set(CURLOPT_URL, url);
  curl_.set(CURLOPT_NOSIGNAL, 1L);
  curl_.set(CURLOPT_ERRORBUFFER, error_buffer);
  curl_.set(CURLOPT_PROTOCOLS_STR, "http,https");
  curl_.set(CURLOPT_USERAGENT, agent);
  curl_.set(CURLOPT_HTTPHEADER, list.get());
  curl_.set(CURLOPT_CONNECTTIMEOUT, 10L);
  curl_.set(CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_.set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(stall_timeout_.count()));
  if (head_only) curl_.set(CURLOPT_NOBODY, 1L);
  curl_.set(CURLOPT_HEADERFUNCTION, &Transfer::header);
  curl_.set(CURLOPT_HEADERDATA, &transfer);
  curl_.set(CURLOPT_WRITEFUNCTION, &Transfer::write);
  curl_.set(CURLOPT_WRITEDATA, &transfer);
  const auto started = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(curl_.get());
  out.duration = std::chrono::steady_clock::now() - started;
  if (rc != CURLE_OK) {
    out.error = transfer.too_large        ? "answer too large"
                : error_buffer[0] != '\0' ? error_buffer
                                          : curl_easy_strerror(rc);
  }
  return out;
}

}  // namespace regcache::cli
