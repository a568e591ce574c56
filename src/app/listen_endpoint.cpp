#include "app/listen_endpoint.hpp"

namespace regcache::app {

asio::ip::tcp::endpoint listen_endpoint(const std::string& host, uint16_t port) {
  if (host.empty()) return {asio::ip::tcp::v6(), port};
  asio::io_context resolver_io;
  asio::ip::tcp::resolver resolver(resolver_io);
  auto results = resolver.resolve(host, std::to_string(port));
  return results.begin()->endpoint();
}

}  // namespace regcache::app
