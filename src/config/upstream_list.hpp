#pragma once
// The upstreams one regcache mirrors: registry:2's `proxy:` section (one
// upstream, Docker Hub by default) and regcache's own list,
//
//   regcache:
//     default_upstream: docker.io
//     upstreams:
//       - ghcr.io                        # a bare name: built-in defaults
//       - name: private.example.com
//         remoteurl: https://10.0.0.5:8443
//         username: robot
//         password: secret
//         https_proxy: ""                # direct, whatever HTTPS_PROXY says
//         aliases: [private]
//
// Rules (docs/multi-registry.md):
//  - the `proxy:` section names an upstream when proxy.remoteurl is set, or when
//    regcache.upstreams is not given at all (then it is Docker Hub, as before);
//  - every name and alias (including Docker Hub's built-in index.docker.io and
//    registry-1.docker.io) selects exactly one upstream;
//  - the default upstream, for requests that name no registry, is
//    regcache.default_upstream, else the `proxy:` upstream, else docker.io when
//    configured, else none.

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/settings.hpp"

namespace regcache::config {

// Fills config.upstreams and config.default_upstream. `proxy_upstream` is the
// upstream read from the `proxy:` section (with the environment's egress proxy,
// trust and regcache.tag_revalidate applied); its egress, trust and
// tag_revalidate are also the defaults of every listed upstream.
// Throws ConfigError naming the source, the key (regcache.upstreams[1].ttl) and the reason.
void read_upstreams(const Settings& settings, const UpstreamConfig& proxy_upstream, Config& config,
                    std::vector<std::string>& warnings);

// The upstream called `name` or having it as an alias, or nullptr.
const UpstreamConfig* find_upstream(const Config& config, std::string_view name);

}  // namespace regcache::config
