#pragma once
// Beast includes and the request type the server hands to its handler.
#include "util/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace regcache::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// Only the request head is read: the pull API has no request bodies, and the
// server refuses requests that announce one before reading it.
using Request = bhttp::request<bhttp::empty_body>;

}  // namespace regcache::http
