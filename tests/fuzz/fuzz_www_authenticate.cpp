// Fuzz target: upstream WWW-Authenticate challenges and token responses, which
// come from the network (a hostile or broken upstream, or whoever sits on the
// path to it).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "upstream/token_response.hpp"
#include "upstream/www_authenticate.hpp"

using namespace regcache::upstream;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto challenges = parse_www_authenticate(text)) {
    for (const auto& challenge : *challenges) {
      (void)challenge.realm();
      (void)challenge.service();
      (void)challenge.scope();
    }
  }
  (void)parse_token_response(text);
  (void)parse_rfc3339(text);
  return 0;
}
