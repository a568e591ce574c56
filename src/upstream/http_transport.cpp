#include "upstream/http_transport.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "upstream/curl_error.hpp"
#include "upstream/url_text.hpp"

namespace regcache::upstream {
namespace {

// Per transfer in progress, so bounded by the number of downloads.
constexpr long kReceiveBuffer = 256 * 1024;

constexpr size_t kMaxHeaderBytes = 256 * 1024;  // all heads of one exchange, redirects included
constexpr long kMaxRedirects = 5;

bool is_followed_redirect(const ResponseHead& head) {
  long s = head.status();
  return (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && head.get("location");
}

// State shared with the libcurl callbacks during one curl_easy_perform.
class Transfer {
 public:
  Transfer(const HttpRequest& request, BodyStream* stream, std::stop_token stop,
           std::chrono::seconds stall_timeout, HttpOutcome& out)
      : request_(request),
        stream_(stream),
        stop_(std::move(stop)),
        stall_timeout_(stall_timeout),
        out_(out),
        last_activity_(std::chrono::steady_clock::now()) {}

  static size_t on_header(char* data, size_t size, size_t count, void* self) {
    return static_cast<Transfer*>(self)->header(std::string_view(data, size * count));
  }
  static size_t on_write(char* data, size_t size, size_t count, void* self) {
    return static_cast<Transfer*>(self)->write(std::span<const char>(data, size * count));
  }
  static int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Transfer*>(self)->progress();
  }

  bool stalled() const { return stalled_; }
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  enum class Sink { undecided, discard, buffer, stream, abort };

  // libcurl calls this at least once a second, also while no data flows.
  int progress() {
    if (stop_.stop_requested()) return 1;
    // CURLOPT_LOW_SPEED_TIME averages over a window of several seconds, so a
    // burst before a stall delays its detection; this notices the stall itself.
    if (std::chrono::steady_clock::now() - last_activity_ > stall_timeout_) {
      stalled_ = true;
      return 1;
    }
    return 0;
  }

  size_t header(std::string_view line) {
    last_activity_ = std::chrono::steady_clock::now();
    header_bytes_ += line.size();
    if (header_bytes_ > kMaxHeaderBytes) {
      out_.head_over_limit = true;
      return 0;
    }
    switch (out_.head.add_line(line)) {
      case ResponseHead::Line::status:
        sink_ = Sink::undecided;
        break;
      case ResponseHead::Line::end_of_head:
        if (sink_ == Sink::undecided) {
          decide();
          if (sink_ == Sink::abort) return 0;
        }
        break;
      default:
        break;
    }
    return line.size();
  }

  void decide() {
    const ResponseHead& head = out_.head;
    if (head.status() < 200 || (request_.follow_redirects && is_followed_redirect(head))) {
      sink_ = Sink::discard;  // an interim or redirect answer: libcurl goes on
      return;
    }
    if (stream_ == nullptr) {
      sink_ = Sink::buffer;
      return;
    }
    switch (stream_->on_head(head)) {
      case BodyStream::Mode::stream:
        sink_ = Sink::stream;
        break;
      case BodyStream::Mode::buffer:
        sink_ = Sink::buffer;
        break;
      case BodyStream::Mode::abort:
        sink_ = Sink::abort;
        break;
    }
  }

  size_t write(std::span<const char> bytes) {
    last_activity_ = std::chrono::steady_clock::now();
    body_bytes_ += bytes.size();
    switch (sink_) {
      case Sink::discard:
        return bytes.size();
      case Sink::stream:
        return stream_->on_body(bytes) ? bytes.size() : 0;
      case Sink::abort:
        return 0;
      case Sink::undecided:  // not expected over HTTP; keep the bytes bounded anyway
      case Sink::buffer:
        if (out_.body.size() + bytes.size() > request_.body_limit) {
          out_.body_over_limit = true;
          return 0;
        }
        out_.body.append(bytes.data(), bytes.size());
        return bytes.size();
    }
    return 0;
  }

  const HttpRequest& request_;
  BodyStream* stream_;
  std::stop_token stop_;
  const std::chrono::seconds stall_timeout_;
  HttpOutcome& out_;
  std::chrono::steady_clock::time_point last_activity_;
  bool stalled_ = false;
  size_t header_bytes_ = 0;
  uint64_t body_bytes_ = 0;
  Sink sink_ = Sink::undecided;
};

const std::string& proxy_for(const config::EgressProxy& egress, std::string_view url) {
  return url.substr(0, 8) == "https://" ? egress.https_proxy : egress.http_proxy;
}

}  // namespace

HttpTransport::HttpTransport(TransportSettings settings)
    : settings_(std::move(settings)),
      pool_(share_, std::max<size_t>(settings_.max_idle_handles, 1)) {}

HttpOutcome HttpTransport::perform(const HttpRequest& request, BodyStream* stream,
                                   std::stop_token stop) {
  HttpOutcome out;
  const auto started = std::chrono::steady_clock::now();
  const char* method = request.head ? "HEAD" : "GET";
  auto lease = pool_.acquire();
  if (!lease) {
    out.error = make_curl_error(CURLE_OUT_OF_MEMORY);
    out.error_detail = "cannot create a curl handle";
    return out;
  }
  net::CurlHandle& curl = **lease;
  Transfer transfer(request, stream, stop, settings_.stall_timeout, out);
  net::CurlHeaderList headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::string range;

  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl.set(option, value);
  };
  for (const auto& line : request.headers) {
    if (!headers.append(line)) rc = CURLE_OUT_OF_MEMORY;
  }
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_NOSIGNAL, 1L);
  // Bigger receive chunks than curl's 16 KiB: a 256 MiB layer is then a few
  // thousand callbacks (write, hash, wake the followers) instead of 16,000.
  set(CURLOPT_BUFFERSIZE, kReceiveBuffer);
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_USERAGENT, settings_.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, headers.get());
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_CONNECTTIMEOUT, static_cast<long>(settings_.connect_timeout.count()));
  // Stall detection instead of an overall timeout: blobs can take hours.
  set(CURLOPT_LOW_SPEED_LIMIT, 1L);
  set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(settings_.stall_timeout.count()));
  // Set explicitly (also when empty) so that libcurl never reads the proxy
  // environment itself: it would ignore upper-case HTTP_PROXY.
  set(CURLOPT_PROXY, proxy_for(settings_.egress, request.url).c_str());
  set(CURLOPT_NOPROXY, settings_.egress.no_proxy.c_str());
  set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  if (!settings_.trust.ca_file.empty()) set(CURLOPT_CAINFO, settings_.trust.ca_file.c_str());
  if (!settings_.trust.ca_dir.empty()) set(CURLOPT_CAPATH, settings_.trust.ca_dir.c_str());
  if (request.head) set(CURLOPT_NOBODY, 1L);
  if (request.follow_redirects) {
    set(CURLOPT_FOLLOWLOCATION, 1L);
    set(CURLOPT_MAXREDIRS, kMaxRedirects);
  }
  if (request.range_from) {
    range = std::to_string(*request.range_from) + "-";
    set(CURLOPT_RANGE, range.c_str());
  }
  switch (request.auth.scheme) {
    case RequestAuth::Scheme::none:
      break;
    case RequestAuth::Scheme::basic:
      set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      set(CURLOPT_USERNAME, request.auth.username.c_str());
      set(CURLOPT_PASSWORD, request.auth.password.c_str());
      break;
    case RequestAuth::Scheme::bearer:
      set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
      set(CURLOPT_XOAUTH2_BEARER, request.auth.token.c_str());
      break;
  }
  set(CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  set(CURLOPT_HEADERDATA, &transfer);
  set(CURLOPT_WRITEFUNCTION, &Transfer::on_write);
  set(CURLOPT_WRITEDATA, &transfer);
  set(CURLOPT_NOPROGRESS, 0L);
  set(CURLOPT_XFERINFOFUNCTION, &Transfer::on_progress);
  set(CURLOPT_XFERINFODATA, &transfer);

  if (rc == CURLE_OK) rc = curl_easy_perform(curl.get());

  if (rc == CURLE_ABORTED_BY_CALLBACK && transfer.stalled()) {
    rc = CURLE_OPERATION_TIMEDOUT;
    std::snprintf(error_buffer, sizeof error_buffer, "no data received for %ld s",
                  static_cast<long>(settings_.stall_timeout.count()));
  }
  if (rc != CURLE_OK) {
    out.error = make_curl_error(rc);
    out.error_detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    while (!out.error_detail.empty() && out.error_detail.back() == '\n') {
      out.error_detail.pop_back();
    }
  }
  char* effective = nullptr;
  if (curl_easy_getinfo(curl.get(), CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK &&
      effective != nullptr) {
    out.effective_url = redact_url(effective, false);
  }
  out.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);

  std::string target = redact_url(request.url, true);
  std::string redirected;
  if (!out.effective_url.empty() && out.effective_url != redact_url(request.url, false)) {
    redirected = " via " + out.effective_url;
  }
  if (observer_ != nullptr) {
    ExchangeRecord record;
    record.upstream = settings_.upstream_name;
    record.kind = request.kind;
    record.method = method;
    record.url = target;
    record.request_id = request.request_id;
    record.head = &out.head;
    record.failed = static_cast<bool>(out.error);
    record.error = out.error_detail;
    record.body_bytes = transfer.body_bytes();
    record.duration = out.duration;
    observer_->on_exchange(record);
  }
  if (out.error) {
    spdlog::debug("upstream {}: {} {}{} -> {} (status {}) after {} ms", settings_.upstream_name,
                  method, target, redirected, out.error_detail, out.head.status(),
                  out.duration.count());
  } else {
    spdlog::debug("upstream {}: {} {}{} -> {} in {} ms", settings_.upstream_name, method, target,
                  redirected, out.head.status(), out.duration.count());
  }
  return out;
}

}  // namespace regcache::upstream
