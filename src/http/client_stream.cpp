#include "http/client_stream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace regcache::http {

void ClientStream::cork(bool on) {
  if (corked_ == on) return;
  int value = on ? 1 : 0;
  ::setsockopt(socket().native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
  corked_ = on;
}

}  // namespace regcache::http
