# regcache container image: a drop-in for registry:2 in proxy mode.
#   docker build -t regcache:0.1.0 \
#     --build-arg REGCACHE_VERSION=0.1.0 --build-arg REGCACHE_COMMIT=$(git rev-parse --short HEAD) \
#     --build-arg REGCACHE_BUILD_DATE=$(date -u +%F) .
# Same paths as registry:2: config /etc/docker/registry/config.yml, data /var/lib/registry,
# port 5000. Runs as the unprivileged user `regcache` (uid 10001).
#
# Offline builds (no network in RUN): when the base image already has the packages a
# stage needs, apt is not called. With PREBUILT=<path in the context> the build stage
# copies that binary (built on a Debian 12 host) instead of compiling.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG BUILD_PACKAGES="build-essential cmake ninja-build pkg-config libboost-dev libcurl4-openssl-dev libssl-dev libyaml-cpp-dev nlohmann-json3-dev libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev libhiredis-dev"
ARG PREBUILT=
ARG REGCACHE_COMMIT=unknown
ARG REGCACHE_BUILD_DATE=
COPY . /src
RUN set -eu; \
    if [ -n "$PREBUILT" ]; then install -D -m 0755 "/src/$PREBUILT" /out/regcache; exit 0; fi; \
    if ! dpkg-query -W $BUILD_PACKAGES >/dev/null 2>&1; then \
      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $BUILD_PACKAGES; \
    fi; \
    cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DREGCACHE_BUILD_TESTS=OFF \
      -DREGCACHE_COMMIT="$REGCACHE_COMMIT" ${REGCACHE_BUILD_DATE:+-DREGCACHE_BUILD_DATE="$REGCACHE_BUILD_DATE"}; \
    cmake --build /build --target regcache; \
    install -D -m 0755 -s /build/regcache /out/regcache

FROM ${BASE_IMAGE}
# Runtime libraries only (Debian 12 names); curl runs the HEALTHCHECK.
ARG RUNTIME_PACKAGES="ca-certificates curl libcurl4 libssl3 libyaml-cpp0.7 libsqlite3-0 libspdlog1.10 libfmt9 libhiredis0.14"
ARG REGCACHE_VERSION=0.1.0
ARG REGCACHE_COMMIT=unknown
ARG REGCACHE_BUILD_DATE=
RUN set -eu; \
    if ! dpkg-query -W $RUNTIME_PACKAGES >/dev/null 2>&1; then \
      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $RUNTIME_PACKAGES; \
    fi; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb; \
    groupadd --system --gid 10001 regcache; \
    useradd --system --uid 10001 --gid regcache --home-dir /var/lib/registry --no-create-home \
      --shell /usr/sbin/nologin regcache; \
    install -d -o regcache -g regcache -m 0750 /var/lib/registry; \
    install -d -m 0755 /etc/docker/registry
COPY --from=build /out/regcache /usr/bin/regcache
COPY deploy/config.yml /etc/docker/registry/config.yml
COPY deploy/healthcheck.sh /usr/local/bin/regcache-healthcheck
LABEL org.opencontainers.image.title="regcache" \
      org.opencontainers.image.description="Pull-through cache for container registries (registry:2 proxy replacement)" \
      org.opencontainers.image.version="${REGCACHE_VERSION}" \
      org.opencontainers.image.revision="${REGCACHE_COMMIT}" \
      org.opencontainers.image.created="${REGCACHE_BUILD_DATE}"
USER regcache:regcache
VOLUME ["/var/lib/registry"]
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/regcache-healthcheck"]
ENTRYPOINT ["/usr/bin/regcache"]
CMD ["serve", "/etc/docker/registry/config.yml"]
