#include "http/session.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "http/request_id.hpp"
#include "http/server.hpp"

namespace regcache::http {

Session::Session(tcp::socket socket, Server& server)
    : stream_(std::move(socket)), server_(server) {
  boost::system::error_code ec;
  auto remote = stream_.socket().remote_endpoint(ec);
  if (!ec) client_address_ = remote.address().to_string();
  stream_.socket().set_option(tcp::no_delay(true), ec);
  server_.attach(this);
}

Session::~Session() { server_.detach(this); }

void Session::request_stop() {
  stop_requested_ = true;
  // Wake a connection that waits for its next request; a busy one stops after
  // its current answer.
  asio::post(stream_.get_executor(), [weak = weak_from_this()] {
    if (auto self = weak.lock(); self && self->idle_) self->stream_.cancel();
  });
}

asio::awaitable<void> Session::answer_rejection(unsigned status, std::string message,
                                                unsigned version) {
  ResponseWriter writer(stream_, server_.limits_, false, version, false);
  const std::string request_id = generate_request_id();
  writer.identify(request_id, nullptr);
  co_await writer.send(server_.handler_.reject(status, std::move(message)));
  RequestRecord record;
  record.route = "other";
  record.cache = "none";
  record.client = client_address_;
  record.request_id = request_id;
  record.status = writer.status();
  record.bytes = writer.body_bytes_sent();
  server_.access_log_.write(record);
  if (server_.observer_) server_.observer_->on_request(record);
}

asio::awaitable<void> Session::run() {
  const ServerLimits& limits = server_.limits_;
  beast::flat_buffer buffer(8192);
  bool first_request = true;

  while (!stop_requested_) {
    bhttp::request_parser<bhttp::empty_body> parser;
    parser.header_limit(limits.max_header_bytes);
    stream_.expires_after(first_request ? limits.header_timeout : limits.idle_timeout);
    boost::system::error_code ec;
    idle_ = true;
    co_await bhttp::async_read_header(stream_, buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
    idle_ = false;
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        co_await answer_rejection(431, "request header too large", 11);
      } else if (ec.category() == make_error_code(bhttp::error::end_of_stream).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        co_await answer_rejection(400, "malformed HTTP request", 11);
      }
      break;  // closed, timed out, stopped or malformed
    }

    const Request& request = parser.get();
    // The pull API has no request bodies; we answer without reading one, so the
    // connection cannot be reused afterwards.
    bool has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
    bool keep_alive = request.keep_alive() && !has_body && !stop_requested_;
    ResponseWriter writer(stream_, limits, request.method() == bhttp::verb::head,
                          request.version(), keep_alive);
    AccessNote note;
    auto started = std::chrono::steady_clock::now();
    const std::string request_id = request_id_for(request[kRequestIdHeader]);
    writer.identify(request_id, &note);
    const RequestContext context{request, client_address_, note, request_id};
    co_await server_.handler_.handle(context, writer);
    if (!writer.responded() || writer.head_pending()) writer.abort();
    RequestRecord record;
    record.method = request.method_string();
    record.target = request.target();
    record.route = note.route;
    record.repository = note.repository;
    record.cache = note.cache;
    record.client = client_address_;
    record.request_id = request_id;
    record.status = writer.status();
    record.bytes = writer.body_bytes_sent();
    record.duration = std::chrono::steady_clock::now() - started;
    server_.access_log_.write(record);
    if (server_.observer_) server_.observer_->on_request(record);
    if (!writer.keep_alive()) break;
    first_request = false;
  }

  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.close();
}

}  // namespace regcache::http
