#pragma once
// Sends one command to a serving regcache over its control socket.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "util/result.hpp"

namespace regcache::control {

// nullopt: no server listens there (the cache is not being served). An error
// string: a server was reached but the exchange failed.
std::optional<Result<nlohmann::json, std::string>> send_to_server(
    const std::filesystem::path& socket_path, const nlohmann::json& request);

}  // namespace regcache::control
