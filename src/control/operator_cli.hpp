#pragma once
// The operator's subcommands of the `regcache` binary. Each works on a serving
// cache (sent to it over the control socket, so the running server does the work
// with full knowledge of downloads in progress) and on a stopped one (done in
// this process, holding the cache lock so no server starts meanwhile):
//
//   regcache status   [-c config.yml] [--json]
//   regcache usage    [-c config.yml] [--top N] [--json]
//   regcache list     [-c config.yml] [REPOSITORY] [--json]
//   regcache remove   [-c config.yml] [--upstream NAME] [--dry-run] REPO[:TAG|@DIGEST] [--json]
//   regcache gc       [-c config.yml] [--dry-run] [--json]
//   regcache verify   [-c config.yml] [--fix] [--json]
//   regcache garbage-collect [--dry-run] [--delete-untagged] CONFIG   (registry:2's form)

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace regcache::control {

class OperatorCli {
 public:
  explicit OperatorCli(CLI::App& cli);
  // After parsing: the exit code when one of these subcommands was given.
  std::optional<int> run();

 private:
  struct Common {
    std::string config;
    bool json = false;
  };
  CLI::App* add(CLI::App& cli, const std::string& name, const std::string& help);

  Common common_;
  CLI::App* status_ = nullptr;
  CLI::App* usage_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* remove_ = nullptr;
  CLI::App* gc_ = nullptr;
  CLI::App* verify_ = nullptr;
  CLI::App* registry_gc_ = nullptr;
  size_t top_ = 10;
  std::string repository_;
  std::string image_;
  std::string upstream_;
  bool dry_run_ = false;
  bool fix_ = false;
  bool delete_untagged_ = false;
  bool quiet_ = false;
};

}  // namespace regcache::control
