#pragma once
// The one place Asio is included. Boost 1.74's awaitable.hpp uses std::exchange
// without including <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace regcache {
namespace asio = boost::asio;
}  // namespace regcache
