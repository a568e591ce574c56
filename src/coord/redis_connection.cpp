#include "coord/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

namespace regcache::coord {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

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
  if (context_ != nullptr) redisFree(context_);
}

void RedisConnection::mark_down_locked(const std::string& why) {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  retry_at_ = std::chrono::steady_clock::now() + kRetryDelay;
  if (!down_) {
    spdlog::warn("redis {}: {}; nodes fetch without coordination until it answers again",
                 describe(), why);
    down_ = true;
  }
}

bool RedisConnection::connect_locked() {
  if (context_ != nullptr) return true;
  if (std::chrono::steady_clock::now() < retry_at_) return false;
  context_ = redisConnectWithTimeout(settings_.host.c_str(), settings_.port,
                                     to_timeval(settings_.dial_timeout));
  if (context_ == nullptr || context_->err) {
    mark_down_locked(context_ ? std::string("cannot connect: ") + context_->errstr
                              : "cannot allocate a connection");
    return false;
  }
  redisSetTimeout(context_, to_timeval(settings_.io_timeout));
  const auto setup = [&](std::initializer_list<std::string> args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    bool ok = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
    std::string error = reply && reply->type == REDIS_REPLY_ERROR
                            ? std::string(reply->str, reply->len)
                            : (context_->err ? context_->errstr : "no answer");
    if (reply) freeReplyObject(reply);
    if (!ok) mark_down_locked("setting up the connection failed: " + error);
    return ok;
  };
  if (!settings_.password.empty() && !setup({"AUTH", settings_.password})) return false;
  if (settings_.db != 0 && !setup({"SELECT", std::to_string(settings_.db)})) return false;
  if (down_) {
    spdlog::info("redis {}: reachable again; fetches are coordinated across nodes", describe());
    down_ = false;
  }
  return true;
}

std::optional<RedisReply> RedisConnection::command(std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (auto a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return run(argv, lengths);
}

std::optional<RedisReply> RedisConnection::command_argv(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return run(argv, lengths);
}

std::optional<RedisReply> RedisConnection::run(std::vector<const char*>& argv,
                                               std::vector<size_t>& lengths) {
  std::lock_guard lock(mutex_);
  if (!connect_locked()) return std::nullopt;
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    mark_down_locked(context_->errstr[0] ? context_->errstr : "connection lost");
    return std::nullopt;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    spdlog::warn("redis {}: {}", describe(), std::string(reply->str, reply->len));
    freeReplyObject(reply);
    return std::nullopt;
  }
  auto out = convert(*reply);
  freeReplyObject(reply);
  return out;
}

}  // namespace regcache::coord
