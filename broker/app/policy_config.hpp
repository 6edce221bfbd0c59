// The config file's [[policies]] tables (docs/enforcement.md). Kept in Config as the JSON text
// of the policy array: the admin API speaks JSON, so file and API share one reader
// (registry/enforcement/policy_json.hpp) and one set of error messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace accord {

// Reads `node` (the value of the top-level "policies" key) into the JSON text of a policy array.
// On error returns one line without the source location prefix and sets `error_at` to where in
// the file the problem is (the offending key's value when known, else its table).
std::optional<std::string> policies_from_toml(const toml::node& node, std::string& json_text,
                                              toml::source_region& error_at);

// The [[policies]] tables for --print-config ("" when there are none).
std::string policies_to_toml(const std::string& json_text);

}  // namespace accord
