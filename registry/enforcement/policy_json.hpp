// Policies as JSON: the admin API's request and response bodies, the stored form of policies
// changed at runtime, and (converted from TOML by the config loader) the config file's
// [[policies]] tables. One reader for all three, so every source gets the same checks and the
// same error messages.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "registry/enforcement/policy.hpp"

namespace accord::enforcement {

// Reads one policy object: {"name": ..., "topic_filter": ..., "action": "reject", ...}. Keys as in
// docs/enforcement.md; absent keys keep Policy's defaults. Unknown keys, wrong types and values
// validate_policy() refuses are errors: `error` gets one line naming the key, nullopt returned.
std::optional<Policy> policy_from_json(const boost::json::value& json, std::string& error);

// Policies in one set at most: every publish walks the filters in order until one matches.
inline constexpr std::size_t kMaxPolicies = 1000;

// Reads an array of policy objects and checks the set: names unique and well-formed, at most
// kMaxPolicies.
std::optional<std::vector<Policy>> policies_from_json(const boost::json::value& json,
                                                      std::string& error);

// Every key, defaults included: what GET returns and what is stored.
boost::json::object policy_to_json(const Policy& policy);
boost::json::array policies_to_json(const std::vector<Policy>& policies);

}  // namespace accord::enforcement
