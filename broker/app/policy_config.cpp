#include "broker/app/policy_config.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "registry/enforcement/policy_json.hpp"

namespace accord {

namespace json = boost::json;

namespace {

// TOML values a policy can hold, as JSON. Dates and times have no place in a policy.
std::optional<json::value> to_json(const toml::node& node, std::string& error) {
  if (auto s = node.as_string()) return json::value(s->get());
  if (auto i = node.as_integer()) return json::value(i->get());
  if (auto b = node.as_boolean()) return json::value(b->get());
  if (auto f = node.as_floating_point()) return json::value(f->get());
  if (auto a = node.as_array()) {
    json::array out;
    for (const auto& item : *a) {
      auto v = to_json(item, error);
      if (!v) return std::nullopt;
      out.push_back(std::move(*v));
    }
    return json::value(std::move(out));
  }
  if (auto t = node.as_table()) {
    json::object out;
    for (const auto& [k, v] : *t) {
      auto value = to_json(v, error);
      if (!value) return std::nullopt;
      out[k.str()] = std::move(*value);
    }
    return json::value(std::move(out));
  }
  error = "dates and times are not policy values";
  return std::nullopt;
}

std::string toml_string(std::string_view s) {
  // JSON string escapes are valid TOML basic-string escapes.
  return json::serialize(json::value(s));
}

}  // namespace

std::optional<std::string> policies_from_toml(const toml::node& node, std::string& json_text,
                                              toml::source_region& error_at) {
  error_at = node.source();
  const toml::array* arr = node.as_array();
  if (!arr || (!arr->empty() && !arr->is_array_of_tables()))
    return "policies: expected an array of tables ([[policies]])";
  std::string error;
  // Table by table first, so an error points at the table (or key) it is about.
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::table& table = *(*arr)[i].as_table();
    error_at = table.source();
    auto value = to_json(table, error);
    if (!value) return fmt::format("policies[{}]: {}", i, error);
    if (!enforcement::policy_from_json(*value, error)) {
      for (const auto& [key, v] : table) {
        const std::string k(key.str());
        if (error.find("'" + k + "'") != std::string::npos ||
            error.find(": " + k + " ") != std::string::npos) {
          error_at = k == "name" ? v.source() : key.source();
          if (error.find(": " + k + " ") != std::string::npos) error_at = v.source();
          break;
        }
      }
      return fmt::format("policies[{}]: {}", i, error);
    }
  }
  error_at = node.source();
  auto value = to_json(node, error);
  if (!value) return "policies: " + error;
  auto policies = enforcement::policies_from_json(*value, error);
  if (!policies) return error;
  json_text = json::serialize(enforcement::policies_to_json(*policies));
  return std::nullopt;
}

std::string policies_to_toml(const std::string& json_text) {
  if (json_text.empty()) return {};
  std::string out = "\n# Contract policies, first matching topic filter wins (docs/enforcement.md)\n";
  const json::value parsed = json::parse(json_text);
  for (const auto& policy : parsed.as_array()) {
    out += "[[policies]]\n";
    for (const auto& [key, v] : policy.as_object()) {
      out += fmt::format("{} = ", std::string_view(key));
      if (v.is_string()) out += toml_string(v.get_string());
      else if (v.is_array()) {
        out += '[';
        bool first = true;
        for (const auto& item : v.get_array()) {
          out += (first ? "" : ", ") + toml_string(item.as_string());
          first = false;
        }
        out += ']';
      } else {
        out += json::serialize(v);  // booleans and integers read the same in TOML
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace accord
