#include "config/config_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "config/temp_dir.hpp"

namespace regcache::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using testing::TempDir;

constexpr std::string_view kSample = R"(version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: ROOT
  delete:
    enabled: true
proxy:
  remoteurl: https://registry-1.docker.io
  ttl: 168h
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
)";

// The configuration file shipped in the registry:2 image (and the Debian package).
constexpr std::string_view kRegistryImageConfig = R"(version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: ROOT
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
)";

std::string replace_root(std::string_view text, const std::filesystem::path& root) {
  std::string out(text);
  out.replace(out.find("ROOT"), 4, root.string());
  return out;
}

class LoadConfig : public ::testing::Test {
 protected:
  // Every test points the storage root at its temp dir: the default,
  // /var/lib/registry, would be created on the test machine.
  Environment env() const {
    return {{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", (dir_.path() / "storage").string()}};
  }
  std::filesystem::path write(std::string_view yaml) const {
    return dir_.write("config.yml", yaml);
  }
  std::string sample() const { return replace_root(kSample, dir_.path() / "storage"); }

  // The ConfigError message load_config throws; fails the test when it does not throw.
  std::string error_of(std::string_view yaml, Environment extra = {}) const {
    Environment environment = env();
    for (auto& [name, value] : extra) environment[name] = value;
    try {
      load_config(write(yaml), environment);
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError for:\n" << yaml;
    return {};
  }
  std::string error_of_env(Environment extra) const { return error_of("", std::move(extra)); }

  std::vector<std::string> warnings_of(std::string_view yaml, Environment extra = {}) const {
    Environment environment = env();
    for (auto& [name, value] : extra) environment[name] = value;
    return load_config(write(yaml), environment).warnings;
  }

  std::string config_name() const { return (dir_.path() / "config.yml").string(); }

  TempDir dir_;
};

TEST_F(LoadConfig, DefaultsWithoutAFile) {
  const Config config = load_config(std::nullopt, env());
  const Config defaults;
  EXPECT_EQ(defaults.storage.root, "/var/lib/registry");
  EXPECT_EQ(config.storage.root, dir_.path() / "storage");
  EXPECT_TRUE(std::filesystem::is_directory(dir_.path() / "storage"));
  EXPECT_FALSE(config.storage.delete_enabled);
  EXPECT_EQ(config.log_level, LogLevel::info);
  EXPECT_EQ(config.log_format, "text");
  EXPECT_EQ(config.http.addr, ":5000");
  EXPECT_EQ(config.http.host, "");
  EXPECT_EQ(config.http.port, 5000);
  EXPECT_THAT(config.http.headers, IsEmpty());
  EXPECT_TRUE(config.http.tls.certificate.empty());
  EXPECT_EQ(config.upstreams.at(0).name, "docker.io");
  EXPECT_EQ(config.upstreams.at(0).remote_url, "https://registry-1.docker.io");
  EXPECT_TRUE(config.upstreams.at(0).docker_hub_library_rule);
  EXPECT_EQ(config.upstreams.at(0).ttl, 168h);
  EXPECT_EQ(config.upstreams.at(0).tag_revalidate, 60s);
  EXPECT_EQ(config.upstreams.at(0).username, "");
  EXPECT_EQ(config.upstreams.at(0).password, "");
  EXPECT_EQ(config.upstreams.at(0).egress.https_proxy, "");
  EXPECT_EQ(config.tuning.io_threads, defaults.tuning.io_threads);
  EXPECT_EQ(config.tuning.upstream_workers, defaults.tuning.upstream_workers);
  EXPECT_EQ(config.tuning.idle_timeout, defaults.tuning.idle_timeout);
  EXPECT_THAT(config.warnings, IsEmpty());
}

TEST_F(LoadConfig, EmptyFileGivesDefaults) {
  for (std::string_view empty : {"", "\n", "# only a comment\n", "---\n"}) {
    const Config config = load_config(write(empty), env());
    EXPECT_EQ(config.http.port, 5000) << empty;
    EXPECT_EQ(config.upstreams.at(0).name, "docker.io") << empty;
    EXPECT_THAT(config.warnings, IsEmpty()) << empty;
  }
}

TEST_F(LoadConfig, SampleFileLoadsWithoutWarnings) {
  const Config config = load_config(write(sample()), {});
  EXPECT_THAT(config.warnings, IsEmpty());
  EXPECT_EQ(config.log_level, LogLevel::info);
  EXPECT_EQ(config.storage.root, dir_.path() / "storage");
  EXPECT_TRUE(config.storage.delete_enabled);
  EXPECT_EQ(config.upstreams.at(0).remote_url, "https://registry-1.docker.io");
  EXPECT_EQ(config.upstreams.at(0).name, "docker.io");
  EXPECT_TRUE(config.upstreams.at(0).docker_hub_library_rule);
  EXPECT_EQ(config.upstreams.at(0).ttl, 168h);
  EXPECT_EQ(config.http.host, "");
  EXPECT_EQ(config.http.port, 5000);
  EXPECT_THAT(config.http.headers,
              ElementsAre(Pair("X-Content-Type-Options", ElementsAre("nosniff"))));
}

TEST_F(LoadConfig, RegistryImageConfigWarnsOncePerIgnoredKey) {
  const auto warnings =
      warnings_of(replace_root(kRegistryImageConfig, dir_.path() / "storage"), {});
  EXPECT_THAT(warnings,
              ElementsAre(config_name() + ": log.fields: not used by regcache (ignored)",
                          config_name() + ": storage.cache: not used by regcache (ignored)",
                          config_name() + ": health: not used by regcache (ignored)"));
}

TEST_F(LoadConfig, ReadsEveryKey) {
  TempDir tls;
  const auto certificate = tls.write("cert.pem", "-----BEGIN CERTIFICATE-----\n");
  const auto key = tls.write("key.pem", "-----BEGIN PRIVATE KEY-----\n");
  const Config config = load_config(write(R"(
version: "0.1"
log:
  level: DEBUG
  formatter: json
storage:
  filesystem:
    rootdirectory: )" + (dir_.path() / "store").string() +
                                          R"(
  delete:
    enabled: yes
proxy:
  remoteurl: https://ghcr.io:443/
  username: mirror
  password: "s3cr3t: #x"
  ttl: 1h30m
http:
  addr: "[::1]:5443"
  net: tcp
  headers:
    Strict-Transport-Security: max-age=31536000
    X-Multi: [one, two]
    X-Empty: []
  tls:
    certificate: )" + certificate.string() +
                                          R"(
    key: )" + key.string() + R"(
regcache:
  tag_revalidate: 5m
  io_threads: 4
  upstream_workers: 64
  upstream_connect_timeout: 5s
  upstream_stall_timeout: 1m
  upstream_retries: 0
  request_header_timeout: 10s
  idle_timeout: 2m
  max_header_bytes: 32768
  max_connections: 500
)"),
                                    {});
  EXPECT_THAT(config.warnings, IsEmpty());
  EXPECT_EQ(config.log_level, LogLevel::debug);
  EXPECT_EQ(config.log_format, "json");
  EXPECT_EQ(config.storage.root, dir_.path() / "store");
  EXPECT_TRUE(config.storage.delete_enabled);
  EXPECT_EQ(config.upstreams.at(0).remote_url, "https://ghcr.io:443");
  EXPECT_EQ(config.upstreams.at(0).name, "ghcr.io:443");
  EXPECT_FALSE(config.upstreams.at(0).docker_hub_library_rule);
  EXPECT_EQ(config.upstreams.at(0).username, "mirror");
  EXPECT_EQ(config.upstreams.at(0).password, "s3cr3t: #x");
  EXPECT_EQ(config.upstreams.at(0).ttl, 90min);
  EXPECT_EQ(config.http.addr, "[::1]:5443");
  EXPECT_EQ(config.http.host, "::1");
  EXPECT_EQ(config.http.port, 5443);
  EXPECT_THAT(config.http.headers,
              ElementsAre(Pair("Strict-Transport-Security", ElementsAre("max-age=31536000")),
                          Pair("X-Multi", ElementsAre("one", "two")), Pair("X-Empty", IsEmpty())));
  EXPECT_EQ(config.http.tls.certificate, certificate);
  EXPECT_EQ(config.http.tls.key, key);
  EXPECT_EQ(config.upstreams.at(0).tag_revalidate, 5min);
  EXPECT_EQ(config.tuning.io_threads, 4u);
  EXPECT_EQ(config.tuning.upstream_workers, 64u);
  EXPECT_EQ(config.tuning.upstream_connect_timeout, 5s);
  EXPECT_EQ(config.tuning.upstream_stall_timeout, 60s);
  EXPECT_EQ(config.tuning.upstream_retries, 0u);
  EXPECT_EQ(config.tuning.request_header_timeout, 10s);
  EXPECT_EQ(config.tuning.idle_timeout, 120s);
  EXPECT_EQ(config.tuning.max_header_bytes, 32768u);
  EXPECT_EQ(config.tuning.max_connections, 500u);
}

TEST_F(LoadConfig, LogLevelsFollowLogrus) {
  const std::pair<const char*, LogLevel> cases[] = {
      {"panic", LogLevel::error}, {"fatal", LogLevel::error},  {"error", LogLevel::error},
      {"warn", LogLevel::warn},   {"warning", LogLevel::warn}, {"info", LogLevel::info},
      {"debug", LogLevel::debug}, {"trace", LogLevel::trace},  {"Info", LogLevel::info},
  };
  for (const auto& [text, level] : cases) {
    const Config config = load_config(std::nullopt, {{"REGISTRY_LOG_LEVEL", text},
                                                     {"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY",
                                                      (dir_.path() / "storage").string()}});
    EXPECT_EQ(config.log_level, level) << text;
  }
}

TEST_F(LoadConfig, LogstashFormatterWarnsAndUsesText) {
  const Config config = load_config(write("log:\n  formatter: logstash\n"), env());
  EXPECT_EQ(config.log_format, "text");
  EXPECT_THAT(config.warnings,
              ElementsAre(config_name() + ": log.formatter: logstash is not supported by "
                                          "regcache; using text (json is also available)"));
}

TEST_F(LoadConfig, OtherUpstreamIsNamedByHostAndPort) {
  const Config config =
      load_config(write("proxy:\n  remoteurl: http://registry.local:5001/\n"), env());
  EXPECT_EQ(config.upstreams.at(0).remote_url, "http://registry.local:5001");
  EXPECT_EQ(config.upstreams.at(0).name, "registry.local:5001");
  EXPECT_FALSE(config.upstreams.at(0).docker_hub_library_rule);
}

TEST_F(LoadConfig, DockerHubAliasesAreDockerIo) {
  for (const char* url : {"https://docker.io", "https://index.docker.io/"}) {
    const Config config = load_config(std::nullopt, {{"REGISTRY_PROXY_REMOTEURL", url},
                                                     {"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY",
                                                      (dir_.path() / "storage").string()}});
    EXPECT_EQ(config.upstreams.at(0).name, "docker.io") << url;
    EXPECT_TRUE(config.upstreams.at(0).docker_hub_library_rule) << url;
  }
}

TEST_F(LoadConfig, SubSecondDurationsRoundUp) {
  const Config config = load_config(
      write("proxy:\n  ttl: 500ms\nregcache:\n  upstream_connect_timeout: 1500ms\n"), env());
  EXPECT_EQ(config.upstreams.at(0).ttl, 1s);
  EXPECT_EQ(config.tuning.upstream_connect_timeout, 2s);
}

TEST_F(LoadConfig, ZeroTtlMeansNeverExpire) {
  EXPECT_EQ(load_config(write("proxy:\n  ttl: 0\n"), env()).upstreams.at(0).ttl, 0s);
}

TEST_F(LoadConfig, NullValuesKeepTheDefault) {
  const Config config = load_config(write("proxy:\n  remoteurl:\n  ttl: ~\nhttp:\nlog:\n"), env());
  EXPECT_EQ(config.upstreams.at(0).remote_url, "https://registry-1.docker.io");
  EXPECT_EQ(config.upstreams.at(0).ttl, 168h);
  EXPECT_THAT(config.warnings, IsEmpty());
}

// --- environment overrides ---------------------------------------------------

TEST_F(LoadConfig, EnvironmentBeatsTheFile) {
  TempDir tls;
  const auto certificate = tls.write("cert.pem", "cert");
  const auto key = tls.write("key.pem", "key");
  const auto env_root = dir_.path() / "from-env";
  const Config config = load_config(
      write(sample()), {
                           {"REGISTRY_PROXY_REMOTEURL", "https://quay.io"},
                           {"REGISTRY_PROXY_USERNAME", "robot"},
                           {"REGISTRY_PROXY_PASSWORD", "#not-a-comment"},
                           {"REGISTRY_PROXY_TTL", "24h"},
                           {"REGISTRY_HTTP_ADDR", "127.0.0.1:0"},
                           {"REGISTRY_LOG_LEVEL", "warning"},
                           {"REGISTRY_LOG_FORMATTER", "json"},
                           {"REGISTRY_STORAGE", "filesystem"},
                           {"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", env_root.string()},
                           {"REGISTRY_STORAGE_DELETE_ENABLED", "false"},
                           {"REGISTRY_HTTP_TLS_CERTIFICATE", certificate.string()},
                           {"REGISTRY_HTTP_TLS_KEY", key.string()},
                           {"REGISTRY_VERSION", "0.1"},
                           {"REGCACHE_TAG_REVALIDATE", "5m"},
                           {"REGCACHE_IO_THREADS", "2"},
                           {"REGCACHE_UPSTREAM_WORKERS", "8"},
                           {"REGCACHE_IDLE_TIMEOUT", "30s"},
                           {"REGCACHE_MAX_CONNECTIONS", "100"},
                       });
  EXPECT_THAT(config.warnings, IsEmpty());
  EXPECT_EQ(config.upstreams.at(0).remote_url, "https://quay.io");
  EXPECT_EQ(config.upstreams.at(0).name, "quay.io");
  EXPECT_FALSE(config.upstreams.at(0).docker_hub_library_rule);
  EXPECT_EQ(config.upstreams.at(0).username, "robot");
  EXPECT_EQ(config.upstreams.at(0).password, "#not-a-comment");
  EXPECT_EQ(config.upstreams.at(0).ttl, 24h);
  EXPECT_EQ(config.http.host, "127.0.0.1");
  EXPECT_EQ(config.http.port, 0);
  EXPECT_EQ(config.log_level, LogLevel::warn);
  EXPECT_EQ(config.log_format, "json");
  EXPECT_EQ(config.storage.root, env_root);
  EXPECT_TRUE(std::filesystem::is_directory(env_root));
  EXPECT_FALSE(config.storage.delete_enabled);
  EXPECT_EQ(config.http.tls.certificate, certificate);
  EXPECT_EQ(config.http.tls.key, key);
  EXPECT_EQ(config.upstreams.at(0).tag_revalidate, 5min);
  EXPECT_EQ(config.tuning.io_threads, 2u);
  EXPECT_EQ(config.tuning.upstream_workers, 8u);
  EXPECT_EQ(config.tuning.idle_timeout, 30s);
  EXPECT_EQ(config.tuning.max_connections, 100u);
}

TEST_F(LoadConfig, HeaderVariables) {
  Environment environment = env();
  environment["REGISTRY_HTTP_HEADERS_X-CONTENT-TYPE-OPTIONS"] = "[nosniff, other]";
  environment["REGISTRY_HTTP_HEADERS_X-Frame-Options"] = "DENY";
  const Config config = load_config(write(sample()), environment);
  EXPECT_THAT(config.http.headers,
              ElementsAre(Pair("X-CONTENT-TYPE-OPTIONS", ElementsAre("nosniff", "other")),
                          Pair("X-Frame-Options", ElementsAre("DENY"))));

  environment["REGISTRY_HTTP_HEADERS"] = "{X-A: [a], X-B: b}";
  const Config replaced = load_config(write(sample()), environment);
  EXPECT_THAT(replaced.http.headers,
              ElementsAre(Pair("X-A", ElementsAre("a")), Pair("X-B", ElementsAre("b")),
                          Pair("X-CONTENT-TYPE-OPTIONS", ElementsAre("nosniff", "other")),
                          Pair("X-Frame-Options", ElementsAre("DENY"))));
}

TEST_F(LoadConfig, UnusedAndUnknownVariablesWarnByNameOnly) {
  const auto warnings = warnings_of("", {
                                            {"REGISTRY_HTTP_SECRET", "very-secret-value"},
                                            {"REGISTRY_REDIS_ADDR", "redis:6379"},
                                            {"REGISTRY_LOGLEVEL", "debug"},
                                            {"REGISTRY_PROXY_REMOTE_URL", "https://x"},
                                            {"REGISTRY_SERVICE_HOST", "10.0.0.1"},
                                            {"REGCACHE_TAGREVALIDATE", "1m"},
                                            {"REGISTRY_CONFIGURATION_PATH", "/etc/x.yml"},
                                            {"REGISTRY_PROXY", "{remoteurl: https://x}"},
                                            {"PATH", "/usr/bin"},
                                        });
  EXPECT_THAT(
      warnings,
      ElementsAre(
          "environment REGCACHE_TAGREVALIDATE: unknown variable (ignored)",
          "environment REGISTRY_HTTP_SECRET: not used by regcache (ignored)",
          "environment REGISTRY_LOGLEVEL: not used by regcache (ignored): use log.level",
          "environment REGISTRY_PROXY: setting a whole section from one variable is not "
          "supported (ignored); set its keys, e.g. REGISTRY_PROXY_<KEY>",
          "environment REGISTRY_PROXY_REMOTE_URL: unknown variable (ignored)",
          "environment REGISTRY_SERVICE_HOST: unknown variable (ignored); it looks like a "
          "Kubernetes service link (set enableServiceLinks: false in the pod spec to drop it)",
          "environment REGISTRY_REDIS_ADDR: not used by regcache (ignored): Redis coordinates "
          "nodes that share storage.s3; one node coordinates its own downloads"));
  for (const auto& warning : warnings) EXPECT_THAT(warning, Not(HasSubstr("very-secret")));
}

TEST_F(LoadConfig, ConfigurationPathFromEnvironment) {
  EXPECT_EQ(configuration_path_from_environment({}), std::nullopt);
  EXPECT_EQ(configuration_path_from_environment({{"REGISTRY_CONFIGURATION_PATH", ""}}),
            std::nullopt);
  EXPECT_EQ(configuration_path_from_environment({{"REGISTRY_CONFIGURATION_PATH", "/etc/r.yml"}}),
            std::filesystem::path("/etc/r.yml"));
}

TEST_F(LoadConfig, EgressProxyFromEnvironment) {
  Environment environment = env();
  environment["HTTPS_PROXY"] = "proxy.corp:3128";
  environment["https_proxy"] = "http://ignored:1";
  environment["no_proxy"] = "localhost,.corp";
  const Config config = load_config(std::nullopt, environment);
  EXPECT_EQ(config.upstreams.at(0).egress.https_proxy, "http://proxy.corp:3128");
  EXPECT_EQ(config.upstreams.at(0).egress.http_proxy, "");
  EXPECT_EQ(config.upstreams.at(0).egress.no_proxy, "localhost,.corp");
  EXPECT_THAT(config.warnings, IsEmpty());
}

// --- warnings from the file --------------------------------------------------

TEST_F(LoadConfig, UnusedRegistryKeysWarnOnceEach) {
  const auto warnings = warnings_of(R"(
loglevel: debug
log:
  accesslog:
    disabled: true
  hooks: []
storage:
  maintenance:
    uploadpurging:
      enabled: false
  redirect:
    disable: true
http:
  secret: asecretforlocaldevelopment
  host: https://myregistryaddress.org:5000
  prefix: /my/nested/registry/
  debug:
    addr: localhost:5001
  http2:
    disabled: false
middleware:
  registry:
    - name: something
notifications: {}
redis:
  addr: localhost:6379
validation:
  disabled: true
compatibility:
  schema1:
    enabled: true
reporting:
  bugsnag:
    apikey: x
)");
  const std::string f = config_name() + ": ";
  EXPECT_THAT(warnings, ElementsAre(f + "loglevel: not used by regcache (ignored): use log.level",
                                    f + "log.accesslog: not used by regcache (ignored)",
                                    f + "log.hooks: not used by regcache (ignored)",
                                    f + "storage.maintenance: not used by regcache (ignored)",
                                    f + "http.secret: not used by regcache (ignored)",
                                    f + "http.host: not used by regcache (ignored)",
                                    f + "http.prefix: not used by regcache (ignored)",
                                    f + "http.debug: not used by regcache (ignored)",
                                    f + "http.http2: not used by regcache (ignored)",
                                    f + "middleware: not used by regcache (ignored)",
                                    f + "notifications: not used by regcache (ignored)",
                                    f + "validation: not used by regcache (ignored)",
                                    f + "compatibility: not used by regcache (ignored)",
                                    f + "reporting: not used by regcache (ignored)",
                                    f + "storage.redirect.disable: not used by regcache "
                                        "(ignored): only blobs on storage.s3 are redirected "
                                        "(to presigned URLs)",
                                    f + "redis.addr: not used by regcache (ignored): Redis "
                                        "coordinates nodes that share storage.s3; one node "
                                        "coordinates its own downloads"));
  for (const auto& warning : warnings) {
    EXPECT_THAT(warning, Not(HasSubstr("asecretforlocaldevelopment")));
  }
}

TEST_F(LoadConfig, UnknownKeysWarn) {
  const auto warnings = warnings_of(R"(
proxy:
  remoteURL: https://ghcr.io
  ttll: 1h
frobnicate: true
regcache:
  io_thread: 4
)");
  const std::string f = config_name() + ": ";
  EXPECT_THAT(warnings, ElementsAre(f + "proxy.remoteURL: unknown key (ignored) (did you mean "
                                        "\"remoteurl\"? keys are lower case)",
                                    f + "proxy.ttll: unknown key (ignored)",
                                    f + "frobnicate: unknown key (ignored)",
                                    f + "regcache.io_thread: unknown key (ignored)"));
}

TEST_F(LoadConfig, DuplicateKeysWarnAndTheLastWins) {
  const Config config = load_config(write("proxy:\n  ttl: 1h\nproxy:\n  ttl: 2h\n"), env());
  EXPECT_EQ(config.upstreams.at(0).ttl, 2h);
  EXPECT_THAT(config.warnings,
              ElementsAre(config_name() + ": proxy: duplicate key (the last one wins)"));
}

TEST_F(LoadConfig, CredentialWarnings) {
  EXPECT_THAT(warnings_of("proxy:\n  username: robot\n"),
              ElementsAre(HasSubstr("proxy.username: proxy.password is empty")));
  const auto password_only = warnings_of("proxy:\n  password: hunter2\n");
  EXPECT_THAT(password_only,
              ElementsAre(HasSubstr("proxy.password: ignored because proxy.username is empty")));
  EXPECT_THAT(password_only[0], Not(HasSubstr("hunter2")));
  EXPECT_THAT(warnings_of("proxy:\n  remoteurl: http://r.local\n  username: u\n  password: p\n"),
              ElementsAre(HasSubstr("proxy.remoteurl: credentials will be sent to the upstream "
                                    "without TLS")));
}

// --- errors ------------------------------------------------------------------

TEST_F(LoadConfig, InvalidValuesNameSourceKeyAndReason) {
  struct Case {
    std::string yaml;
    std::string message;  // after "<config file>: "
  };
  const Case cases[] = {
      {"version: 0.2\n", "version: unsupported version \"0.2\""},
      {"log:\n  level: verbose\n", "log.level: unknown log level \"verbose\""},
      {"log:\n  formatter: xml\n", "log.formatter: unknown formatter \"xml\" (use text or json)"},
      {"proxy:\n  ttl: 7days\n",
       "proxy.ttl: invalid duration \"7days\": unknown unit \"days\" (use Go duration syntax such "
       "as 168h, 30m or 90s)"},
      {"proxy:\n  ttl: 3600\n", "proxy.ttl: invalid duration \"3600\": missing unit"},
      {"proxy:\n  ttl: -1h\n", "proxy.ttl: invalid duration \"-1h\": must not be negative"},
      {"proxy:\n  ttl: 1000000h\n", "proxy.ttl: invalid duration \"1000000h\": must be at most"},
      {"proxy:\n  ttl: [1h]\n", "proxy.ttl: expected a single value, not a list"},
      {"proxy:\n  remoteurl: registry-1.docker.io\n",
       "proxy.remoteurl: invalid URL \"registry-1.docker.io\": missing scheme"},
      {"proxy:\n  remoteurl: https://\n",
       "proxy.remoteurl: invalid URL \"https://\": missing host"},
      {"proxy:\n  remoteurl: https://host/?a=b\n", "proxy.remoteurl: invalid URL"},
      {"proxy:\n  remoteurl: \"\"\n", "proxy.remoteurl: invalid URL \"\": empty"},
      {"proxy: https://ghcr.io\n", "proxy: expected a mapping of keys"},
      {"http:\n  addr: 5000x\n", "http.addr: invalid listen address \"5000x\": missing port"},
      {"http:\n  addr: \":99999\"\n", "http.addr: invalid listen address \":99999\": port must be"},
      {"http:\n  net: unix\n", "http.net: unix sockets are not supported"},
      {"http:\n  net: udp\n", "http.net: unknown network \"udp\""},
      {"http:\n  headers: nosniff\n", "http.headers: expected a mapping of header names"},
      {"http:\n  headers:\n    \"Bad Name\": [x]\n",
       "http.headers.Bad Name: invalid header name \"Bad Name\""},
      {"http:\n  headers:\n    X-A: {b: c}\n",
       "http.headers.X-A: expected a header value or a list of values"},
      {"http:\n  headers:\n    X-A: \"a\\r\\nSet-Cookie: x\"\n",
       "http.headers.X-A: header values must not contain line breaks"},
      {"http:\n  headers:\n    Content-Length: [\"0\"]\n",
       "http.headers.Content-Length: header \"Content-Length\" is managed by regcache"},
      {"http:\n  tls:\n    certificate: /x.pem\n",
       "http.tls.certificate: http.tls.key must also be set"},
      {"http:\n  tls:\n    key: /x.pem\n", "http.tls.key: http.tls.certificate must also be set"},
      {"storage:\n  delete:\n    enabled: maybe\n",
       "storage.delete.enabled: expected true or false, got \"maybe\""},
      {"storage:\n  inmemory:\n", "storage.inmemory: storage driver \"inmemory\" is not supported"},
      {"regcache:\n  io_threads: 257\n",
       "regcache.io_threads: expected a whole number from 0 to 256, got \"257\""},
      {"regcache:\n  upstream_workers: 0\n",
       "regcache.upstream_workers: expected a whole number from 1 to 1024, got \"0\""},
      {"regcache:\n  upstream_workers: 2000\n", "regcache.upstream_workers: expected a whole"},
      {"regcache:\n  upstream_workers: -1\n", "regcache.upstream_workers: expected a whole"},
      {"regcache:\n  upstream_workers: 4.5\n", "regcache.upstream_workers: expected a whole"},
      {"regcache:\n  upstream_retries: 11\n", "regcache.upstream_retries: expected a whole"},
      {"regcache:\n  max_header_bytes: 100\n", "regcache.max_header_bytes: expected a whole"},
      {"regcache:\n  max_connections: 0\n", "regcache.max_connections: expected a whole"},
      {"regcache:\n  upstream_connect_timeout: 0s\n",
       "regcache.upstream_connect_timeout: invalid duration \"0s\": must be greater than 0"},
      {"regcache:\n  upstream_stall_timeout: 48h\n",
       "regcache.upstream_stall_timeout: invalid duration \"48h\": must be at most 24h"},
      {"regcache:\n  request_header_timeout: 10\n",
       "regcache.request_header_timeout: invalid duration \"10\": missing unit"},
      {"regcache:\n  idle_timeout: 0\n", "regcache.idle_timeout: invalid duration \"0\": must be"},
      {"regcache:\n  tag_revalidate: soon\n", "regcache.tag_revalidate: invalid duration \"soon\""},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(error_of(c.yaml), HasSubstr(config_name() + ": " + c.message)) << c.yaml;
  }
}

TEST_F(LoadConfig, InvalidEnvironmentValuesNameTheVariable) {
  struct Case {
    Environment env;
    std::string message;
  };
  const Case cases[] = {
      {{{"REGISTRY_HTTP_ADDR", "5000x"}},
       "environment REGISTRY_HTTP_ADDR: invalid listen address \"5000x\": missing port"},
      {{{"REGISTRY_PROXY_TTL", "7days"}},
       "environment REGISTRY_PROXY_TTL: invalid duration \"7days\""},
      {{{"REGISTRY_STORAGE", "swift"}},
       "environment REGISTRY_STORAGE: storage driver \"swift\" is not supported"},
      {{{"REGISTRY_STORAGE_GCS_BUCKET", "b"}},
       "environment REGISTRY_STORAGE_GCS_BUCKET: storage driver \"gcs\" is not supported"},
      {{{"REGISTRY_STORAGE_DELETE_ENABLED", "sure"}},
       "environment REGISTRY_STORAGE_DELETE_ENABLED: expected true or false"},
      {{{"REGISTRY_HTTP_HEADERS", "[a, b"}}, "environment REGISTRY_HTTP_HEADERS: invalid YAML"},
      {{{"REGISTRY_HTTP_HEADERS", "[a, b]"}},
       "environment REGISTRY_HTTP_HEADERS: expected a YAML mapping"},
      {{{"REGCACHE_IO_THREADS", "many"}},
       "environment REGCACHE_IO_THREADS: expected a whole number from 0 to 256, got \"many\""},
      {{{"REGCACHE_TAG_REVALIDATE", "-5m"}},
       "environment REGCACHE_TAG_REVALIDATE: invalid duration \"-5m\": must not be negative"},
      {{{"REGISTRY_PROXY_REMOTEURL", "https://robot:hunter2@ghcr.io"}},
       "environment REGISTRY_PROXY_REMOTEURL: invalid URL \"https://***@ghcr.io\": credentials "
       "in the URL are not supported"},
      {{{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", ""}},
       "environment REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: must not be empty"},
      {{{"REGISTRY_LOG_LEVEL", ""}}, "environment REGISTRY_LOG_LEVEL: unknown log level \"\""},
      {{{"HTTP_PROXY", "http://proxy:0"}}, "environment HTTP_PROXY: invalid proxy URL"},
  };
  for (const auto& c : cases) {
    const std::string message = error_of_env(c.env);
    EXPECT_THAT(message, HasSubstr(c.message)) << c.env.begin()->first;
    EXPECT_THAT(message, Not(HasSubstr("hunter2")));
  }
}

TEST_F(LoadConfig, PasswordNeverInMessages) {
  const std::string message = error_of("proxy:\n  password: [hunter2]\n");
  EXPECT_THAT(message, HasSubstr("proxy.password: expected a single value, not a list"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
}

TEST_F(LoadConfig, YamlSyntaxErrorHasLineAndColumn) {
  const std::string message = error_of("version: 0.1\nproxy:\n  remoteurl: [unclosed\n");
  EXPECT_THAT(message, HasSubstr(config_name() + ":"));
  EXPECT_THAT(message, HasSubstr("invalid YAML"));
  EXPECT_THAT(message, ::testing::ContainsRegex(":[0-9]+:[0-9]+: invalid YAML"));

  const std::string tabs = error_of("proxy:\n\tremoteurl: x\n");
  EXPECT_THAT(tabs, HasSubstr(config_name() + ":2:"));
}

TEST_F(LoadConfig, TopLevelMustBeAMapping) {
  EXPECT_THAT(error_of("- a\n- b\n"), HasSubstr("expected a mapping of keys at the top level"));
}

TEST_F(LoadConfig, MissingFileIsAnError) {
  const auto missing = dir_.path() / "nope.yml";
  try {
    load_config(missing, env());
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr(missing.string() + ": the configuration file is missing"));
  }
  try {
    load_config(dir_.path(), env());
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("it is a directory"));
  }
}

TEST_F(LoadConfig, UnreadableTlsFilesAreErrors) {
  const auto missing = dir_.path() / "missing.pem";
  const auto key = dir_.write("key.pem", "key");
  EXPECT_THAT(error_of("http:\n  tls:\n    certificate: " + missing.string() +
                       "\n    key: " + key.string() + "\n"),
              HasSubstr(config_name() + ": http.tls.certificate: cannot read \"" +
                        missing.string() + "\""));
  EXPECT_THAT(error_of("http:\n  tls:\n    certificate: " + key.string() +
                       "\n    key: " + dir_.path().string() + "\n"),
              HasSubstr("http.tls.key: \"" + dir_.path().string() + "\" is not a regular file"));
  if (::geteuid() != 0) {  // root reads files whatever their mode
    std::filesystem::permissions(key, std::filesystem::perms::none);
    EXPECT_THAT(
        error_of("http:\n  tls:\n    certificate: " + key.string() + "\n    key: " + key.string() +
                 "\n"),
        HasSubstr("http.tls.certificate: cannot read \"" + key.string() + "\": Permission denied"));
  }
}

TEST_F(LoadConfig, StorageRootMustBeAWritableDirectory) {
  const auto file = dir_.write("a-file", "x");
  EXPECT_THAT(error_of("", {{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", file.string()}}),
              HasSubstr("environment REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: \"" +
                        file.string() + "\" is not a directory"));
  EXPECT_THAT(
      error_of("", {{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", (file / "sub").string()}}),
      HasSubstr("/sub\": Not a directory"));
  if (::geteuid() != 0) {
    const auto locked = dir_.path() / "locked";
    std::filesystem::create_directory(locked);
    std::filesystem::permissions(
        locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    const auto file_with_root =
        write("storage:\n  filesystem:\n    rootdirectory: " + locked.string() + "\n");
    EXPECT_THROW(
        {
          try {
            load_config(file_with_root, {});
          } catch (const ConfigError& e) {
            EXPECT_THAT(e.what(), HasSubstr(config_name() +
                                            ": storage.filesystem.rootdirectory: directory \"" +
                                            locked.string() + "\" is not writable"));
            throw;
          }
        },
        ConfigError);
  }
}

TEST_F(LoadConfig, EmptyStorageRootInTheFile) {
  const auto file = write("storage:\n  filesystem:\n    rootdirectory: \"\"\n");
  EXPECT_THROW(
      {
        try {
          load_config(file, {});
        } catch (const ConfigError& e) {
          EXPECT_THAT(e.what(),
                      HasSubstr(config_name() + ": storage.filesystem.rootdirectory: must not be "
                                                "empty"));
          throw;
        }
      },
      ConfigError);
}

TEST_F(LoadConfig, NothingIsCreatedForARejectedConfiguration) {
  const auto root = dir_.path() / "should-not-exist";
  error_of("proxy:\n  ttl: bogus\n",
           {{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", root.string()}});
  EXPECT_FALSE(std::filesystem::exists(root));
}

}  // namespace
TEST_F(LoadConfig, ClientAuthOtherThanHtpasswdIsRefusedRatherThanSilentlyIgnored) {
  // Ignoring `auth` would turn a private mirror into an open one.
  EXPECT_THAT(error_of("auth:\n  token:\n    realm: https://auth.example/token\n"),
              HasSubstr(config_name() + ": auth.token: not supported"));
  EXPECT_THAT(error_of("auth:\n  htpaswd:\n    path: /auth/htpasswd\n"),
              HasSubstr(config_name() + ": auth.htpaswd: not supported"));
  EXPECT_THAT(error_of_env({{"REGISTRY_AUTH_TOKEN_REALM", "https://auth.example/token"}}),
              HasSubstr("environment REGISTRY_AUTH_TOKEN_REALM: not supported"));
  EXPECT_THAT(error_of_env({{"REGISTRY_AUTH_HTPASWD_PATH", "/auth/htpasswd"}}),
              HasSubstr("environment REGISTRY_AUTH_HTPASWD_PATH: not supported"));
  EXPECT_THAT(error_of("http:\n  tls:\n    clientcas: [/ca.pem]\n"),
              HasSubstr("http.tls.clientcas: not supported"));
}

TEST_F(LoadConfig, UpstreamTrustFromSslCertVariables) {
  const auto ca = dir_.write("ca.crt", "-----BEGIN CERTIFICATE-----\n");
  Environment environment = env();
  environment["SSL_CERT_FILE"] = ca.string();
  environment["SSL_CERT_DIR"] = dir_.path().string();
  auto config = load_config(std::nullopt, environment);
  EXPECT_EQ(config.upstreams.at(0).trust.ca_file, ca);
  EXPECT_EQ(config.upstreams.at(0).trust.ca_dir, dir_.path());
  EXPECT_THAT(error_of_env({{"SSL_CERT_FILE", (dir_.path() / "missing.crt").string()}}),
              HasSubstr("environment SSL_CERT_FILE:"));
}

}  // namespace regcache::config
