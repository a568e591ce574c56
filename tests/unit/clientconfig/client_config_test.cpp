#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "clientconfig/client_config_command.hpp"
#include "clientconfig/containerd_hosts.hpp"
#include "clientconfig/containers_registries_conf.hpp"
#include "clientconfig/docker_daemon_json.hpp"
#include "clientconfig/k3s_registries.hpp"
#include "clientconfig/mirror_endpoint.hpp"
#include "support/temp_dir.hpp"

namespace regcache::clientconfig {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

ClientSetup setup(std::string mirror, std::string default_registry = "docker.io") {
  ClientSetup s;
  s.mirror = *parse_mirror_endpoint(mirror);
  s.registries = {{"docker.io", "https://registry-1.docker.io", "docker.io"},
                  {"ghcr.io", "https://ghcr.io", "ghcr.io"},
                  {"registry.local:5000", "https://registry.local:5000", ""}};
  s.default_registry = std::move(default_registry);
  return s;
}

const GeneratedFile* find(const ClientFiles& files, std::string_view path) {
  for (const auto& file : files.files) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

TEST(MirrorEndpoint, AcceptsHttpAndHttpsWithoutPath) {
  auto http = parse_mirror_endpoint("http://Mirror.Example.com:5000/");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->url, "http://mirror.example.com:5000");
  EXPECT_EQ(http->host_port, "mirror.example.com:5000");
  EXPECT_TRUE(http->plain_http);
  auto https = parse_mirror_endpoint("https://mirror.example.com");
  ASSERT_TRUE(https);
  EXPECT_FALSE(https->plain_http);
  EXPECT_EQ(https->host_port, "mirror.example.com");
  for (const char* bad :
       {"", "mirror:5000", "ftp://m", "http://u:p@m", "http://m/v2", "http://m?x"}) {
    EXPECT_FALSE(parse_mirror_endpoint(bad)) << bad;
  }
}

TEST(DockerDaemonJson, MirrorsHubAndAllowsPlainHttp) {
  ClientFiles out;
  add_docker_daemon_json(setup("http://mirror.example.com:5000"), out);
  const auto* file = find(out, "docker/daemon.json");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->install_path, "/etc/docker/daemon.json");
  const auto json = nlohmann::json::parse(file->content);
  EXPECT_EQ(json["registry-mirrors"], nlohmann::json::array({"http://mirror.example.com:5000"}));
  EXPECT_EQ(json["insecure-registries"], nlohmann::json::array({"mirror.example.com:5000"}));
  EXPECT_THAT(
      out.notes,
      Contains(HasSubstr("pull ghcr.io images as mirror.example.com:5000/ghcr.io/<repository>")));
  EXPECT_THAT(out.notes, Contains(HasSubstr("cannot pull registry.local:5000")));
}

TEST(DockerDaemonJson, HttpsNeedsNoInsecureAndOtherDefaultsGetNoRegistryMirrors) {
  ClientFiles out;
  add_docker_daemon_json(setup("https://mirror.example.com"), out);
  const auto json = nlohmann::json::parse(find(out, "docker/daemon.json")->content);
  EXPECT_FALSE(json.contains("insecure-registries"));
  EXPECT_TRUE(json.contains("registry-mirrors"));

  ClientFiles other;
  add_docker_daemon_json(setup("https://mirror.example.com", "ghcr.io"), other);
  EXPECT_EQ(find(other, "docker/daemon.json"), nullptr)
      << "Hub requests would reach ghcr.io: registry-mirrors must not be set";
  EXPECT_THAT(other.notes, Contains(HasSubstr("registry-mirrors is left out")));
}

TEST(ContainerdHosts, OneHostsTomlPerRegistryAndTheConfigPath) {
  ClientFiles out;
  add_containerd_hosts(setup("http://mirror.example.com:5000"), out);
  ASSERT_EQ(out.files.size(), 4u);
  const auto* hub = find(out, "containerd/certs.d/docker.io/hosts.toml");
  ASSERT_NE(hub, nullptr);
  EXPECT_EQ(hub->install_path, "/etc/containerd/certs.d/docker.io/hosts.toml");
  EXPECT_THAT(hub->content, HasSubstr("server = \"https://registry-1.docker.io\"\n"));
  EXPECT_THAT(hub->content, HasSubstr("[host.\"http://mirror.example.com:5000\"]\n"
                                      "  capabilities = [\"pull\", \"resolve\"]\n"));
  EXPECT_THAT(hub->content, Not(HasSubstr("override_path")));
  EXPECT_NE(find(out, "containerd/certs.d/registry.local:5000/hosts.toml"), nullptr);
  const auto* config_path = find(out, "containerd/config_path.toml");
  ASSERT_NE(config_path, nullptr);
  EXPECT_THAT(config_path->content, HasSubstr("[plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
                                              "  config_path = \"/etc/containerd/certs.d\"\n"));
}

TEST(ContainerdHosts, OverridePathPutsTheRegistryInTheHostPath) {
  auto s = setup("https://mirror.example.com");
  s.containerd_override_path = true;
  ClientFiles out;
  add_containerd_hosts(s, out);
  EXPECT_THAT(find(out, "containerd/certs.d/ghcr.io/hosts.toml")->content,
              HasSubstr("[host.\"https://mirror.example.com/v2/ghcr.io\"]\n"
                        "  capabilities = [\"pull\", \"resolve\"]\n"
                        "  override_path = true\n"));
}

TEST(K3sRegistries, MirrorsEveryRegistryToTheEndpoint) {
  ClientFiles out;
  add_k3s_registries(setup("http://mirror.example.com:5000"), out);
  ASSERT_EQ(out.files.size(), 1u);
  EXPECT_EQ(out.files[0].install_path, "/etc/rancher/k3s/registries.yaml");
  EXPECT_THAT(out.files[0].content, HasSubstr("mirrors:\n  \"docker.io\":\n    endpoint:\n"
                                              "      - \"http://mirror.example.com:5000\"\n"
                                              "  \"ghcr.io\":\n"));
}

TEST(ContainersRegistriesConf, MirrorLocationCarriesTheRegistryAsPathPrefix) {
  ClientFiles out;
  add_containers_registries_conf(setup("http://mirror.example.com:5000"), out);
  ASSERT_EQ(out.files.size(), 1u);
  const auto& text = out.files[0].content;
  EXPECT_THAT(text, HasSubstr("[[registry]]\nprefix = \"ghcr.io\"\nlocation = \"ghcr.io\"\n\n"
                              "[[registry.mirror]]\n"
                              "location = \"mirror.example.com:5000/ghcr.io\"\ninsecure = true\n"));
  EXPECT_THAT(text, Not(HasSubstr("registry.local:5000")))
      << "a name with a port cannot be a path component";

  ClientFiles tls;
  add_containers_registries_conf(setup("https://mirror.example.com"), tls);
  EXPECT_THAT(tls.files[0].content, Not(HasSubstr("insecure")));
}

class ClientConfigCommand : public ::testing::Test {
 protected:
  int run(ClientConfigOptions options, config::Environment env = {}) {
    out_.str("");
    err_.str("");
    return run_client_config(options, env, out_, err_);
  }
  std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  test_support::TempDir dir_;
  std::ostringstream out_, err_;
};

TEST_F(ClientConfigCommand, WritesEveryRuntimesFilesFromTheMirrorsConfig) {
  const auto config = dir_.path() / "config.yml";
  std::ofstream(config) << "regcache:\n  default_upstream: docker.io\n  upstreams:\n"
                           "    - docker.io\n    - {name: registry.local:5000, aliases: [local]}\n";
  ClientConfigOptions options;
  options.mirror = "http://mirror.example.com:5000";
  options.config_file = config;
  options.output_dir = dir_.path() / "out";
  const auto storage = dir_.path() / "storage";
  ASSERT_EQ(run(options, {{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", storage.string()}}), 0)
      << err_.str();
  const auto out = dir_.path() / "out";
  EXPECT_TRUE(std::filesystem::exists(out / "docker/daemon.json"));
  EXPECT_TRUE(std::filesystem::exists(out / "containerd/certs.d/docker.io/hosts.toml"));
  EXPECT_TRUE(std::filesystem::exists(out / "containerd/certs.d/registry.local:5000/hosts.toml"));
  EXPECT_TRUE(std::filesystem::exists(out / "k3s/registries.yaml"));
  EXPECT_THAT(read(out / "containers/registries.conf.d/50-regcache.conf"),
              HasSubstr("location = \"mirror.example.com:5000/local\""))
      << "an alias without a port stands in for registry.local:5000";
  EXPECT_THAT(read(out / "README.txt"), HasSubstr("-> /etc/rancher/k3s/registries.yaml"));
  EXPECT_FALSE(std::filesystem::exists(storage)) << "client-config touches nothing of the mirror's";
}

TEST_F(ClientConfigCommand, OneRuntimePrintsJustItsFile) {
  ClientConfigOptions options;
  options.mirror = "http://m:5000";
  options.runtimes = {"docker"};
  ASSERT_EQ(run(options), 0);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["registry-mirrors"][0], "http://m:5000");
}

TEST_F(ClientConfigCommand, BadArgumentsGetPreciseMessages) {
  ClientConfigOptions options;
  options.mirror = "mirror:5000";
  EXPECT_EQ(run(options), kClientConfigUsageError);
  EXPECT_THAT(err_.str(), HasSubstr("regcache client-config: --mirror \"mirror:5000\": "));

  options.mirror = "http://m:5000";
  options.upstreams = {"ghcr.io/x"};
  EXPECT_EQ(run(options), kClientConfigUsageError);
  EXPECT_THAT(err_.str(), HasSubstr("--upstream \"ghcr.io/x\": must be a registry host name"));

  options.upstreams = {"ghcr.io"};
  options.default_upstream = "quay.io";
  EXPECT_EQ(run(options), kClientConfigUsageError);
  EXPECT_THAT(err_.str(), HasSubstr("--default-upstream \"quay.io\": not one of the upstreams"));

  options.default_upstream.reset();
  options.runtimes = {"rkt"};
  EXPECT_EQ(run(options), kClientConfigUsageError);
  EXPECT_THAT(err_.str(), HasSubstr("--runtime \"rkt\": unknown"));

  ClientConfigOptions from_file;
  from_file.mirror = "http://m:5000";
  from_file.config_file = dir_.path() / "missing.yml";
  EXPECT_EQ(run(from_file), kClientConfigUsageError);
  EXPECT_THAT(err_.str(),
              HasSubstr("configuration error: " + (dir_.path() / "missing.yml").string() +
                        ": the configuration file is missing"));
  from_file.config_file.reset();
  from_file.upstreams = {"index.docker.io", "ghcr.io"};
  ASSERT_EQ(run(from_file), 0);
  EXPECT_THAT(out_.str(), HasSubstr("/etc/containerd/certs.d/docker.io/hosts.toml"));
}

}  // namespace
}  // namespace regcache::clientconfig
