#include "storage/s3_client.hpp"

#include <spdlog/spdlog.h>
#include <strings.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "storage/s3_presign.hpp"

namespace regcache::storage {
namespace {

constexpr long kConnectTimeoutSeconds = 10;
constexpr long kLowSpeedSeconds = 30;           // no progress for this long ends a transfer
constexpr size_t kBodyLimit = 4 * 1024 * 1024;  // listings, errors, multipart answers

std::error_code error_for_status(long status) {
  switch (status) {
    case 404:
      return std::make_error_code(std::errc::no_such_file_or_directory);
    case 403:
    case 401:
      return std::make_error_code(std::errc::permission_denied);
    case 412:
      return std::make_error_code(std::errc::file_exists);
    default:
      return std::make_error_code(std::errc::io_error);
  }
}

// The text of every <tag>...</tag> in `xml` (S3 answers are flat enough for this;
// the keys we write are hex digests and path separators, nothing to unescape).
std::vector<std::string> xml_values(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  size_t at = 0;
  while ((at = xml.find(open, at)) != std::string::npos) {
    at += open.size();
    size_t end = xml.find(close, at);
    if (end == std::string::npos) break;
    out.push_back(xml.substr(at, end - at));
    at = end + close.size();
  }
  return out;
}

std::string xml_value(const std::string& xml, const std::string& tag) {
  auto values = xml_values(xml, tag);
  return values.empty() ? std::string() : values.front();
}

}  // namespace

int64_t S3Object::modified_at() const {
  std::tm tm{};  // "2026-11-27T22:37:21.000Z"
  if (!strptime(last_modified.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string s3_uri_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

struct S3Client::Request {
  enum class Method { get, head, put, post, del } method = Method::get;
  std::string key;    // empty: the bucket itself
  std::string query;  // sorted and encoded, without '?'
  std::vector<std::string> headers;
  std::string payload_sha256 = "UNSIGNED-PAYLOAD";
  // Request body: either `body`, or [offset, offset+length) of `fd`.
  std::string body;
  int fd = -1;
  uint64_t offset = 0, length = 0;
  // Response body destination: `into` (ranged reads), else the buffered body.
  std::span<char> into;
  bool use_into = false;
};

S3Client::S3Client(S3Settings settings)
    : settings_(std::move(settings)),
      pool_(share_, 16),
      health_("bucket " + settings_.bucket + " at " + settings_.endpoint) {}

std::string S3Client::url_for(const std::string& key, const std::string& query) const {
  std::string url;
  if (settings_.path_style) {
    url = settings_.endpoint + "/" + settings_.bucket;
  } else {
    auto scheme_end = settings_.endpoint.find("://");
    auto host_at = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    url = settings_.endpoint.substr(0, host_at) + settings_.bucket + "." +
          settings_.endpoint.substr(host_at);
  }
  if (!key.empty())
    url += "/" + key;
  else if (!settings_.path_style)
    url += "/";
  if (!query.empty()) url += "?" + query;
  return url;
}

std::string S3Client::presigned_get(const std::string& key, std::chrono::seconds expires) const {
  return presign_get(settings_, url_for(key, ""), expires, std::chrono::system_clock::now());
}

S3Client::Response S3Client::perform(const Request& request) {
  Response out;
  if (!health_.should_try()) {  // unreachable: fail at once, not after a timeout
    out.error = std::make_error_code(std::errc::io_error);
    return out;
  }
  auto lease = pool_.acquire();
  if (!lease) {
    out.error = std::make_error_code(std::errc::not_enough_memory);
    return out;
  }
  net::CurlHandle& curl = **lease;

  struct State {
    const Request* request;
    Response* response;
    uint64_t sent = 0;
    size_t received = 0;
    bool overflow = false;
  } state{&request, &out};

  auto url = url_for(request.key, request.query);
  curl.set(CURLOPT_URL, url);
  curl.set(CURLOPT_NOSIGNAL, 1L);
  curl.set(CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl.set(CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl.set(CURLOPT_LOW_SPEED_TIME, kLowSpeedSeconds);
  curl.set(CURLOPT_PROXY, std::string());  // the store is reached directly
  const std::string sigv4 = "aws:amz:" + settings_.region + ":s3";
  curl.set(CURLOPT_AWS_SIGV4, sigv4);
  curl.set(CURLOPT_USERNAME, settings_.access_key);
  curl.set(CURLOPT_PASSWORD, settings_.secret_key);

  net::CurlHeaderList headers;
  headers.append("x-amz-content-sha256: " + request.payload_sha256);
  for (const auto& h : request.headers) headers.append(h);

  using Method = Request::Method;
  switch (request.method) {
    case Method::get:
      break;
    case Method::head:
      curl.set(CURLOPT_NOBODY, 1L);
      break;
    case Method::del:
      curl.set(CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
    case Method::post:
      curl.set(CURLOPT_POST, 1L);
      curl.set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl.set(CURLOPT_POSTFIELDS, request.body.c_str());
      break;
    case Method::put:
      curl.set(CURLOPT_UPLOAD, 1L);
      curl.set(CURLOPT_INFILESIZE_LARGE,
               static_cast<curl_off_t>(request.fd >= 0 ? request.length : request.body.size()));
      curl.set(CURLOPT_READDATA, &state);
      curl.set(
          CURLOPT_READFUNCTION, +[](char* buf, size_t size, size_t n, void* p) -> size_t {
            auto* s = static_cast<State*>(p);
            const Request& r = *s->request;
            const uint64_t total = r.fd >= 0 ? r.length : r.body.size();
            size_t want = static_cast<size_t>(std::min<uint64_t>(size * n, total - s->sent));
            if (want == 0) return 0;
            if (r.fd < 0) {
              std::memcpy(buf, r.body.data() + s->sent, want);
              s->sent += want;
              return want;
            }
            while (true) {
              ssize_t got = ::pread(r.fd, buf, want, static_cast<off_t>(r.offset + s->sent));
              if (got > 0) {
                s->sent += static_cast<uint64_t>(got);
                return static_cast<size_t>(got);
              }
              if (got < 0 && errno == EINTR) continue;
              return CURL_READFUNC_ABORT;  // the staging file is shorter than promised
            }
          });
      break;
  }
  curl.set(CURLOPT_HTTPHEADER, headers.get());
  curl.set(CURLOPT_WRITEDATA, &state);
  curl.set(
      CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* p) -> size_t {
        auto* s = static_cast<State*>(p);
        size_t bytes = size * n;
        // Only a successful ranged GET goes to the caller's buffer; errors are buffered.
        if (s->request->use_into && s->response->status / 100 == 2) {
          auto room = s->request->into.size() - s->received;
          if (bytes > room) {
            s->overflow = true;
            return 0;
          }
          std::memcpy(s->request->into.data() + s->received, data, bytes);
          s->received += bytes;
          return bytes;
        }
        if (s->response->body.size() + bytes > kBodyLimit) return 0;
        s->response->body.append(data, bytes);
        return bytes;
      });
  curl.set(CURLOPT_HEADERDATA, &state);
  curl.set(
      CURLOPT_HEADERFUNCTION, +[](char* data, size_t size, size_t n, void* p) -> size_t {
        auto* s = static_cast<State*>(p);
        std::string_view line(data, size * n);
        if (line.starts_with("HTTP/")) {
          auto sp = line.find(' ');
          if (sp != std::string_view::npos) s->response->status = std::atol(line.data() + sp + 1);
        } else if (line.size() > 5 && strncasecmp(line.data(), "etag:", 5) == 0) {
          auto v = line.substr(5);
          while (!v.empty() && (v.front() == ' ' || v.front() == '"')) v.remove_prefix(1);
          while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == '"'))
            v.remove_suffix(1);
          s->response->etag = std::string(v);
        } else if (line.size() > 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
          s->response->content_length = std::strtoull(line.data() + 15, nullptr, 10);
        }
        return size * n;
      });

  if (std::getenv("REGCACHE_CURL_DEBUG")) curl.set(CURLOPT_VERBOSE, 1L);
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && state.overflow)) {
    const bool was_reachable = health_.state().reachable;
    // Our own side failing (reading the local file) says nothing about the store.
    if (rc != CURLE_READ_ERROR && rc != CURLE_WRITE_ERROR && rc != CURLE_ABORTED_BY_CALLBACK) {
      health_.failed(curl_easy_strerror(rc));
    }
    if (was_reachable) {
      spdlog::warn("s3: {} {}: {}", request.key.empty() ? "bucket" : request.key, request.query,
                   curl_easy_strerror(rc));
    }
    out.status = 0;
    out.error = std::make_error_code(std::errc::io_error);
    return out;
  }
  if (out.status >= 500) {
    health_.failed("HTTP " + std::to_string(out.status));
  } else {
    health_.succeeded();
  }
  if (request.use_into) out.content_length = state.received;
  return out;
}

Result<std::optional<uint64_t>, std::error_code> S3Client::head(const std::string& key) {
  Request r;
  r.method = Request::Method::head;
  r.key = key;
  auto res = perform(r);
  if (res.error) return fail(res.error);
  if (res.status == 404) return std::optional<uint64_t>();
  if (res.status != 200) return fail(error_for_status(res.status));
  return std::optional<uint64_t>(res.content_length);
}

Result<size_t, std::error_code> S3Client::read_range(const std::string& key, uint64_t offset,
                                                     std::span<char> out) {
  if (out.empty()) return size_t{0};
  Request r;
  r.key = key;
  r.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" +
                      std::to_string(offset + out.size() - 1));
  r.into = out;
  r.use_into = true;
  auto res = perform(r);
  if (res.error) return fail(res.error);
  if (res.status == 416) return size_t{0};
  // A store that ignores Range sends the object from its start: only usable at 0.
  if (res.status == 200 && offset != 0) return fail(std::make_error_code(std::errc::io_error));
  if (res.status != 206 && res.status != 200) return fail(error_for_status(res.status));
  return static_cast<size_t>(res.content_length);
}

Result<std::optional<std::string>, std::error_code> S3Client::get_object(const std::string& key) {
  Request r;
  r.key = key;
  auto res = perform(r);
  if (res.error) return fail(res.error);
  if (res.status == 404) return std::optional<std::string>();
  if (res.status != 200) return fail(error_for_status(res.status));
  return std::optional<std::string>(std::move(res.body));
}

std::error_code S3Client::put_object(const std::string& key, std::string body) {
  Request r;
  r.method = Request::Method::put;
  r.key = key;
  r.body = std::move(body);
  auto res = perform(r);
  if (res.error) return res.error;
  if (res.status != 200) {
    spdlog::warn("s3: PUT {}: HTTP {} {}", key, res.status, xml_value(res.body, "Code"));
    return error_for_status(res.status);
  }
  return {};
}

std::error_code S3Client::put_file(const std::string& key, int fd, uint64_t size,
                                   const std::string& sha256_hex) {
  if (size <= settings_.part_size) return put_single(key, fd, size, sha256_hex);
  return put_multipart(key, fd, size);
}

std::error_code S3Client::put_single(const std::string& key, int fd, uint64_t size,
                                     const std::string& sha256_hex) {
  Request r;
  r.method = Request::Method::put;
  r.key = key;
  r.fd = fd;
  r.length = size;
  if (!sha256_hex.empty()) r.payload_sha256 = sha256_hex;
  auto res = perform(r);
  if (res.error) return res.error;
  if (res.status != 200) {
    spdlog::warn("s3: PUT {}: HTTP {} {}", key, res.status, xml_value(res.body, "Code"));
    return error_for_status(res.status);
  }
  return {};
}

std::error_code S3Client::put_multipart(const std::string& key, int fd, uint64_t size) {
  Request create;
  create.method = Request::Method::post;
  create.key = key;
  create.query = "uploads=";
  auto created = perform(create);
  if (created.error) return created.error;
  auto upload_id = xml_value(created.body, "UploadId");
  if (created.status != 200 || upload_id.empty()) {
    spdlog::warn("s3: starting multipart upload of {}: HTTP {}", key, created.status);
    return error_for_status(created.status);
  }
  const std::string id_query = "uploadId=" + s3_uri_encode(upload_id);
  auto abort = [&](std::error_code ec) {
    Request r;
    r.method = Request::Method::del;
    r.key = key;
    r.query = id_query;
    perform(r);  // best effort; a lifecycle rule on the bucket catches the rest
    return ec;
  };

  std::string complete = "<CompleteMultipartUpload>";
  unsigned part = 1;
  for (uint64_t at = 0; at < size; at += settings_.part_size, ++part) {
    Request r;
    r.method = Request::Method::put;
    r.key = key;
    r.query = "partNumber=" + std::to_string(part) + "&" + id_query;  // sorted
    r.fd = fd;
    r.offset = at;
    r.length = std::min(settings_.part_size, size - at);
    auto res = perform(r);
    if (res.error) return abort(res.error);
    if (res.status != 200 || res.etag.empty()) {
      spdlog::warn("s3: part {} of {}: HTTP {}", part, key, res.status);
      return abort(error_for_status(res.status));
    }
    complete += "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>\"" + res.etag +
                "\"</ETag></Part>";
  }
  complete += "</CompleteMultipartUpload>";

  Request done;
  done.method = Request::Method::post;
  done.key = key;
  done.query = id_query;
  done.body = std::move(complete);
  done.headers.push_back("Content-Type: application/xml");
  auto res = perform(done);
  if (res.error) return abort(res.error);
  // S3 may answer 200 with an <Error> body once the upload is assembled.
  if (res.status != 200 || res.body.find("<Error>") != std::string::npos) {
    spdlog::warn("s3: completing {}: HTTP {} {}", key, res.status, xml_value(res.body, "Code"));
    return abort(std::make_error_code(std::errc::io_error));
  }
  return {};
}

std::error_code S3Client::copy(const std::string& from, const std::string& to) {
  Request r;
  r.method = Request::Method::put;
  r.key = to;
  r.headers.push_back("x-amz-copy-source: /" + settings_.bucket + "/" + from);
  auto res = perform(r);
  if (res.error) return res.error;
  if (res.status != 200 || res.body.find("<Error>") != std::string::npos) {
    return error_for_status(res.status == 200 ? 500 : res.status);
  }
  return {};
}

std::error_code S3Client::remove(const std::string& key) {
  Request r;
  r.method = Request::Method::del;
  r.key = key;
  auto res = perform(r);
  if (res.error) return res.error;
  if (res.status != 204 && res.status != 200 && res.status != 404) {
    return error_for_status(res.status);
  }
  return {};
}

std::error_code S3Client::list(const std::string& prefix,
                               const std::function<void(const S3Object&)>& visit) {
  std::string token;
  for (int page = 0; page < 1000000; ++page) {  // bounded: 1000 keys a page
    Request r;
    r.query = (token.empty() ? std::string() : "continuation-token=" + s3_uri_encode(token) + "&") +
              "list-type=2&prefix=" + s3_uri_encode(prefix);
    auto res = perform(r);
    if (res.error) return res.error;
    if (res.status != 200) {
      spdlog::warn("s3: listing {}: HTTP {} {}", prefix, res.status, xml_value(res.body, "Code"));
      return error_for_status(res.status);
    }
    for (const auto& entry : xml_values(res.body, "Contents")) {
      S3Object object;
      object.key = xml_value(entry, "Key");
      object.size = std::strtoull(xml_value(entry, "Size").c_str(), nullptr, 10);
      object.last_modified = xml_value(entry, "LastModified");
      visit(object);
    }
    if (xml_value(res.body, "IsTruncated") != "true") return {};
    token = xml_value(res.body, "NextContinuationToken");
    if (token.empty()) return std::make_error_code(std::errc::protocol_error);
  }
  return std::make_error_code(std::errc::protocol_error);
}

std::error_code S3Client::create_bucket() {
  Request r;
  r.method = Request::Method::put;
  auto res = perform(r);
  if (res.error) return res.error;
  if (res.status == 200 || res.status == 409) return {};  // 409: BucketAlreadyOwnedByYou
  return error_for_status(res.status);
}

}  // namespace regcache::storage
