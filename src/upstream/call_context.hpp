#pragma once
// CallContext: what an upstream call carries from the client request that
// caused it. Passed explicitly (the calls run on worker threads), so upstream
// log lines name the request that a pull can be followed by.

#include <string>

namespace regcache::upstream {

struct CallContext {
  std::string request_id;  // empty: not caused by a client request (checks, start-up)
};

}  // namespace regcache::upstream
