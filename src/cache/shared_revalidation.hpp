#pragma once
// SharedRevalidation: nodes sharing one catalog revalidate a stale tag once
// between them. One node takes a short lease on (upstream, repository, tag) and
// asks upstream; the others wait until the tag record it writes is fresh.
// Without a coordinator (or when it fails), every node revalidates on its own.
//
// Blocking (worker threads).

#include <functional>
#include <string>

namespace regcache::cache {

class SharedRevalidation {
 public:
  virtual ~SharedRevalidation() = default;
  // True: another node revalidated meanwhile (`fresh` turned true while
  // waiting). False: revalidate here; `lease` is then set when this call holds
  // the lease, to be handed to release() once the tag record is written.
  virtual bool wait_for_other(const std::string& key, const std::function<bool()>& fresh,
                              std::string& lease) = 0;
  virtual void release(const std::string& key, const std::string& lease) = 0;
};

}  // namespace regcache::cache
