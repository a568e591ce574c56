#include "coord/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace regcache::coord {
namespace {

RedisReply convert(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::text;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      for (size_t i = 0; i < reply.elements; ++i)
        out.elements.push_back(convert(*reply.element[i]));
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

RedisConnection::RedisConnection(RedisSettings settings) : settings_(std::move(settings)) {}

RedisConnection::~RedisConnection() {
  if (reader_ != nullptr) redisReaderFree(reader_);
}

void RedisConnection::mark_down_locked(const std::string& why) {
  socket_.reset();
  if (reader_ != nullptr) {
    redisReaderFree(reader_);
    reader_ = nullptr;
  }
  retry_at_ = std::chrono::steady_clock::now() + kRetryDelay;
  if (!down_) {
    spdlog::warn("redis {}: {}; nodes fetch without coordination until it answers again",
                 describe(), why);
    down_ = true;
  }
}

std::optional<std::vector<RedisReply>> RedisConnection::round_trip_locked(
    std::span<const std::vector<std::string_view>> commands, std::string& error) {
  std::string request;
  for (const auto& args : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (auto a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    char* formatted = nullptr;
    const int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()),
                                              argv.data(), lengths.data());
    if (length < 0) {
      error = "cannot format a command";
      return std::nullopt;
    }
    request.append(formatted, static_cast<size_t>(length));
    redisFreeCommand(formatted);
  }
  if (!socket_->send(request, error)) return std::nullopt;
  std::vector<RedisReply> replies;
  char buffer[16 * 1024];
  while (replies.size() < commands.size()) {
    void* parsed = nullptr;
    if (redisReaderGetReply(reader_, &parsed) != REDIS_OK) {
      error = std::string("unreadable reply: ") + reader_->errstr;
      return std::nullopt;
    }
    if (parsed != nullptr) {
      replies.push_back(convert(*static_cast<redisReply*>(parsed)));
      freeReplyObject(parsed);
      continue;
    }
    const size_t n = socket_->receive(buffer, sizeof buffer, error);
    if (n == 0) return std::nullopt;
    redisReaderFeed(reader_, buffer, n);
  }
  return replies;
}

bool RedisConnection::connect_locked() {
  if (socket_) return true;
  if (std::chrono::steady_clock::now() < retry_at_) return false;
  std::string error;
  socket_ = RedisSocket::connect(settings_.host, settings_.port, settings_.tls.get(),
                                 settings_.dial_timeout, settings_.io_timeout, error);
  if (!socket_) {
    mark_down_locked("cannot connect: " + error);
    return false;
  }
  reader_ = redisReaderCreate();
  if (reader_ == nullptr) {
    mark_down_locked("cannot allocate a reply reader");
    return false;
  }
  // AUTH and SELECT when configured; a PING otherwise, so that a refused
  // connection (a client certificate Redis wants) shows here, not mid-command.
  std::vector<std::vector<std::string_view>> setup;
  const std::string db = std::to_string(settings_.db);
  if (!settings_.password.empty()) setup.push_back({"AUTH", settings_.password});
  if (settings_.db != 0) setup.push_back({"SELECT", db});
  if (setup.empty()) setup.push_back({"PING"});
  auto replies = round_trip_locked(setup, error);
  if (!replies) {
    if (socket_->certificate_wanted()) {
      // Redis' default (tls-auth-clients yes) ends the connection, with an
      // alert or just a reset.
      error +=
          " (Redis asked for a client certificate: set redis.tls.certificate and "
          "redis.tls.key, or tls-auth-clients optional on the server)";
    }
    mark_down_locked("setting up the connection failed: " + error);
    return false;
  }
  for (const auto& reply : *replies) {
    if (reply.type == RedisReply::Type::error) {
      mark_down_locked("setting up the connection failed: " + reply.text);
      return false;
    }
  }
  if (down_) {
    spdlog::info("redis {}: reachable again; fetches are coordinated across nodes", describe());
    down_ = false;
  } else if (!connected_before_) {
    spdlog::info("redis {}: connected ({})", describe(), socket_->protocol());
  }
  connected_before_ = true;
  return true;
}

std::optional<RedisReply> RedisConnection::command(std::span<const std::string_view> args) {
  auto reply = exchange(args);
  if (reply && reply->type == RedisReply::Type::error) {
    spdlog::warn("redis {}: {}", describe(), reply->text);
    return std::nullopt;
  }
  return reply;
}

std::optional<RedisReply> RedisConnection::exchange(std::span<const std::string_view> args,
                                                    bool asking) {
  std::vector<std::vector<std::string_view>> commands;
  if (asking) commands.push_back({"ASKING"});
  commands.emplace_back(args.begin(), args.end());
  std::lock_guard lock(mutex_);
  if (!connect_locked()) return std::nullopt;
  std::string error;
  auto replies = round_trip_locked(commands, error);
  if (!replies) {
    mark_down_locked(error);
    return std::nullopt;
  }
  return std::move(replies->back());
}

}  // namespace regcache::coord
