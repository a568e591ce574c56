#include "http/session.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <iterator>

#include "http/forwarded.hpp"
#include "http/request_id.hpp"
#include "http/server.hpp"

namespace regcache::http {
namespace {
// Room for bytes of a pipelined next request beyond the largest head.
constexpr size_t kReadSlack = 8192;
}  // namespace

Session::Session(std::unique_ptr<ClientStream> stream, Server& server,
                 boost::asio::ip::address peer, std::string connection_key)
    : stream_(std::move(stream)),
      server_(server),
      peer_(peer),
      peer_text_(peer.to_string()),
      connection_key_(std::move(connection_key)) {
  boost::system::error_code ec;
  stream_->socket().set_option(tcp::no_delay(true), ec);
  server_.attach(this);
}

Session::~Session() { server_.detach(this); }

void Session::request_stop() {
  stop_requested_ = true;
  // Wake a connection that waits for its next request; a busy one stops after
  // its current answer.
  asio::post(executor(), [weak = weak_from_this()] {
    if (auto self = weak.lock(); self && self->idle_) self->stream_->tcp().cancel();
  });
}

asio::awaitable<void> Session::answer_rejection(unsigned status, std::string message,
                                                unsigned version) {
  ResponseWriter writer(*stream_, server_.limits_, false, version, false);
  const std::string request_id = generate_request_id();
  writer.identify(request_id, nullptr);
  co_await writer.send(server_.handler_.reject(status, std::move(message)));
  RequestRecord record;
  record.route = "other";
  record.cache = "none";
  record.client = peer_text_;
  record.request_id = request_id;
  record.status = writer.status();
  record.bytes = writer.body_bytes_sent();
  server_.access_log_.write(record);
  if (server_.observer_) server_.observer_->on_request(record);
}

std::string Session::check_head(const Request& request, unsigned& status) const {
  const ServerLimits& limits = server_.limits_;
  if (request.target().size() > limits.max_url_bytes) {
    status = 414;
    return "request URL too long";
  }
  if (static_cast<size_t>(std::distance(request.begin(), request.end())) >
      limits.max_header_count) {
    status = 431;
    return "too many request header fields";
  }
  if (request.version() >= 11 && request.count(bhttp::field::host) != 1) {
    status = 400;
    return "an HTTP/1.1 request needs exactly one Host header";
  }
  return {};
}

// A keep-alive client's whole request head usually arrives in one read: parse
// it from the buffer without a timer or another suspension.
bool Session::parse_buffered_head(beast::flat_buffer& buffer, RequestParser& parser,
                                  ErrorCode& ec) {
  if (buffer.size() == 0) return false;
  const size_t used = parser.put(buffer.data(), ec);
  buffer.consume(used);
  if (ec == bhttp::error::need_more) {
    ec = {};
    return false;  // the rest arrives through read_head
  }
  return ec || parser.is_header_done();
}

asio::awaitable<ErrorCode> Session::read_head(beast::flat_buffer& buffer, RequestParser& parser,
                                              bool& timed_out) {
  // The stream's own expiry would close the socket, leaving no way to answer
  // 408; this timer only cancels the read.
  auto expired = std::make_shared<bool>(false);
  asio::steady_timer timer(executor());
  timer.expires_after(server_.limits_.header_timeout);
  timer.async_wait([weak = weak_from_this(), expired](ErrorCode ec) {
    if (ec) return;
    *expired = true;
    if (auto self = weak.lock()) {
      ErrorCode ignored;
      self->stream_->socket().cancel(ignored);
    }
  });
  stream_->tcp().expires_never();
  ErrorCode ec = co_await stream_->read_header(buffer, parser);
  timer.cancel();
  timed_out = *expired;
  co_return ec;
}

asio::awaitable<void> Session::run() {
  const ServerLimits& limits = server_.limits_;
  if (auto ec = co_await stream_->handshake(limits.header_timeout)) {
    // Scanners and plain-HTTP clients on the TLS port: not worth more than debug.
    spdlog::debug("http: TLS handshake with {} failed: {}", peer_text_, ec.message());
    co_await stream_->close();
    co_return;
  }
  beast::flat_buffer buffer(limits.max_header_bytes + kReadSlack);
  bool first_request = true;

  while (!stop_requested_) {
    RequestParser parser;
    parser.header_limit(limits.max_header_bytes);
    boost::system::error_code ec;
    if (buffer.size() == 0) {
      // Waiting for a request: the keep-alive idle timeout (the head timeout for
      // the first request of a connection).
      idle_ = true;
      stream_->tcp().expires_after(first_request ? limits.header_timeout : limits.idle_timeout);
      ec = co_await stream_->read_some(buffer);
      idle_ = false;
      if (ec) break;  // closed, idle too long, or stopped
    }
    // Once a request has started, all of its head must arrive within the head
    // timeout, however slowly it trickles in (slowloris).
    bool timed_out = false;
    if (!parse_buffered_head(buffer, parser, ec)) ec = co_await read_head(buffer, parser, timed_out);
    if (ec) {
      if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
        co_await answer_rejection(431, "request header too large", 11);
      } else if (timed_out) {
        co_await answer_rejection(408, "request head not received in time", 11);
      } else if (ec.category() == make_error_code(bhttp::error::end_of_stream).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        co_await answer_rejection(400, "malformed HTTP request", 11);
      }
      break;  // closed, timed out, stopped or malformed
    }

    const Request& request = parser.get();
    unsigned status = 0;
    if (auto problem = check_head(request, status); !problem.empty()) {
      co_await answer_rejection(status, std::move(problem), request.version());
      break;
    }
    const ForwardedOrigin origin =
        resolve_origin(peer_, stream_->secure(), request, server_.trusted_proxies_);
    // The pull API has no request bodies; we answer without reading one, so the
    // connection cannot be reused afterwards.
    bool has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
    bool keep_alive = request.keep_alive() && !has_body && !stop_requested_;
    ResponseWriter writer(*stream_, limits, request.method() == bhttp::verb::head,
                          request.version(), keep_alive);
    AccessNote note;
    auto started = std::chrono::steady_clock::now();
    const std::string request_id = request_id_for(request[kRequestIdHeader]);
    writer.identify(request_id, &note);
    const RequestContext context{request,    origin.client, note, request_id,
                                 origin.scheme, origin.host};
    co_await server_.handler_.handle(context, writer);
    if (!writer.responded() || writer.head_pending()) writer.abort();
    RequestRecord record;
    record.method = request.method_string();
    record.target = request.target();
    record.route = note.route;
    record.repository = note.repository;
    record.cache = note.cache;
    record.client = origin.client;
    record.request_id = request_id;
    record.user = note.user;
    record.status = writer.status();
    record.bytes = writer.body_bytes_sent();
    record.duration = std::chrono::steady_clock::now() - started;
    server_.access_log_.write(record);
    if (server_.observer_) server_.observer_->on_request(record);
    if (!writer.keep_alive()) break;
    first_request = false;
  }

  co_await stream_->close();
}

}  // namespace regcache::http
