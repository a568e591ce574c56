#include "http/access_log.hpp"

#include <iterator>

namespace regcache::http {

void AccessLog::write(const RequestRecord& record) const {
  if (!log_.enabled(spdlog::level::info)) return;
  const std::string_view method = record.method.empty() ? std::string_view("-") : record.method;
  const std::string_view path = record.target.empty() ? std::string_view("-") : record.target;
  const double duration_ms = record.duration.count() * 1000.0;
  const EventLog::Field fields[] = {{"method", method},
                                    {"path", path},
                                    {"status", static_cast<uint64_t>(record.status)},
                                    {"bytes", record.bytes},
                                    {"duration_ms", duration_ms},
                                    {"cache", record.cache},
                                    {"client", record.client},
                                    {"request_id", record.request_id},
                                    {"user", record.user}};
  // `user` only for requests that authenticated.
  const size_t count = std::size(fields) - (record.user.empty() ? 1 : 0);
  log_.write(spdlog::level::info, "access", std::span<const EventLog::Field>(fields, count));
}

}  // namespace regcache::http
