#pragma once
// offload(): runs a blocking function on a thread pool and resumes the calling
// coroutine on its own executor with the result. Used for upstream requests
// (libcurl easy handles) and disk work that must not block the I/O threads.

#include <type_traits>

#include "util/asio.hpp"

namespace regcache {

template <class Fn>
asio::awaitable<std::invoke_result_t<Fn>> offload(asio::thread_pool& pool, Fn fn) {
  using R = std::invoke_result_t<Fn>;
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(R)>(
      [&pool](auto handler, Fn work) {
        asio::post(pool, [handler = std::move(handler), work = std::move(work)]() mutable {
          R result = work();
          auto executor = asio::get_associated_executor(handler);
          asio::dispatch(executor,
                         [handler = std::move(handler), result = std::move(result)]() mutable {
                           std::move(handler)(std::move(result));
                         });
        });
      },
      asio::use_awaitable, std::move(fn));
}

}  // namespace regcache
