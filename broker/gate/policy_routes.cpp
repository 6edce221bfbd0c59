#include "broker/gate/policy_routes.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/json.hpp>

#include "broker/core/log.hpp"
#include "registry/core/registry.hpp"
#include "registry/enforcement/policy_json.hpp"

namespace accord::gate {

namespace json = boost::json;
namespace en = accord::enforcement;

namespace {

constexpr const char* kStoredKey = "accord.policies";
constexpr int kStoredFormat = 1;

// Error codes in the registry's style (HTTP status * 100 + detail).
constexpr int kBadJson = 40002;
constexpr int kPolicyNotFound = 40420;
constexpr int kInvalidPolicy = 42220;
constexpr int kStoreFailed = 50020;

std::optional<json::value> parse_body(const http::Request& r, std::string& error) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec) {
    error = "the body is not valid JSON: " + ec.message();
    return std::nullopt;
  }
  return v;
}

http::Response ok(const json::value& body, unsigned status = 200) {
  return http::Response{status, json::serialize(body)};
}

}  // namespace

PolicyControl::PolicyControl(registry::Registry* registry, std::vector<en::Policy> file_policies)
    : registry_(registry), file_policies_(std::move(file_policies)) {}

PolicyControl::Initial PolicyControl::initial() {
  Initial out{file_policies_, "config", "no policies were changed through the admin API"};
  if (!registry_) return out;
  auto stored = registry_->stored_setting(kStoredKey);
  if (!stored) return out;

  boost::system::error_code ec;
  const json::value doc = json::parse(*stored, ec);
  const json::object* o = ec ? nullptr : doc.if_object();
  const json::value* file = o ? o->if_contains("file_policies") : nullptr;
  const json::value* api = o ? o->if_contains("policies") : nullptr;
  std::string error;
  std::optional<std::vector<en::Policy>> api_set, file_then;
  if (file && api) {
    file_then = en::policies_from_json(*file, error);
    if (file_then) api_set = en::policies_from_json(*api, error);
  } else {
    error = "not a stored policy set";
  }
  if (!api_set) {
    // A set this version cannot read (written by a newer one, or damaged): the file's set is
    // the safe fallback, said loudly.
    log::error("stored_policies_unreadable", {{"error", error}, {"using", "config file"}});
    out.note = "the policies stored through the admin API could not be read: " + error;
    return out;
  }
  if (*file_then != file_policies_) {
    // The file was edited after the last API change: the edit is the newer intent.
    if (auto failed = registry_->store_setting(kStoredKey, std::nullopt))
      throw std::runtime_error("cannot drop the stored policies: " + *failed);
    out.note = "the config file's policies changed since the last admin API change, which was "
               "dropped";
    return out;
  }
  out.policies = std::move(*api_set);
  out.source = "admin-api";
  out.note = "set through the admin API; the config file's policies are unchanged since";
  source_ = "admin-api";
  return out;
}

std::optional<http::Response> PolicyControl::apply(std::vector<en::Policy> policies, bool from_api) {
  auto previous = gate_->policies();
  std::optional<std::string> value;
  if (from_api) {
    json::object doc;
    doc["format"] = kStoredFormat;
    doc["file_policies"] = en::policies_to_json(file_policies_);
    doc["policies"] = en::policies_to_json(policies);
    value = json::serialize(doc);
  }
  if (auto refused = gate_->replace(std::move(policies)))
    return http::error_response(422, kInvalidPolicy, *refused);
  // Stored after the gate accepted the set, so a refused set never comes back at the next
  // start; a failed write puts the previous set back: the API answers for both or neither.
  if (registry_) {
    if (auto failed = registry_->store_setting(kStoredKey, value)) {
      gate_->replace(std::move(previous));
      return http::error_response(500, kStoreFailed, "could not store the policies: " + *failed);
    }
  }
  source_ = from_api ? "admin-api" : "config";
  return std::nullopt;
}

http::Response PolicyControl::list() const {
  json::object body;
  body["source"] = source_;
  body["policies"] = en::policies_to_json(gate_->policies());
  return ok(body);
}

void PolicyControl::add_routes(http::Router& router) {
  router.add("GET", "/accord/v1/policies", [this](const http::Request&) { return list(); });

  router.add("PUT", "/accord/v1/policies", [this](const http::Request& r) {
    std::string error;
    auto body = parse_body(r, error);
    if (!body) return http::error_response(400, kBadJson, error);
    const json::value* list_json = body->is_object() ? body->as_object().if_contains("policies") : nullptr;
    if (!list_json) return http::error_response(422, kInvalidPolicy, "expected {\"policies\": [...]}");
    auto policies = en::policies_from_json(*list_json, error);
    if (!policies) return http::error_response(422, kInvalidPolicy, error);
    std::lock_guard lock(write_mu_);
    if (auto failed = apply(std::move(*policies), true)) return *failed;
    log::info("policies_changed", {{"via", "admin-api"}, {"policies", gate_->policies().size()}});
    return list();
  });

  router.add("GET", "/accord/v1/policies/{name}", [this](const http::Request& r) {
    for (const auto& p : gate_->policies())
      if (p.name == r.param("name")) return ok(en::policy_to_json(p));
    return http::error_response(404, kPolicyNotFound, "policy '" + r.param("name") + "' not found");
  });

  // Creates (appended last: the most general position) or replaces in place.
  router.add("PUT", "/accord/v1/policies/{name}", [this](const http::Request& r) {
    std::string error;
    auto body = parse_body(r, error);
    if (!body) return http::error_response(400, kBadJson, error);
    if (auto* o = body->if_object()) {
      const json::value* name = o->if_contains("name");
      if (name && (!name->is_string() || name->get_string() != r.param("name")))
        return http::error_response(422, kInvalidPolicy,
                                    "the body's name differs from the one in the path");
      (*o)["name"] = r.param("name");
    }
    auto policy = en::policy_from_json(*body, error);
    if (!policy) return http::error_response(422, kInvalidPolicy, error);
    std::lock_guard lock(write_mu_);
    auto policies = gate_->policies();
    bool replaced = false;
    for (auto& p : policies)
      if (p.name == policy->name) {
        p = *policy;
        replaced = true;
      }
    if (!replaced && policies.size() >= en::kMaxPolicies)
      return http::error_response(422, kInvalidPolicy,
                                  "already " + std::to_string(policies.size()) +
                                      " policies, the limit");
    if (!replaced) policies.push_back(*policy);
    if (auto failed = apply(std::move(policies), true)) return *failed;
    log::info("policy_changed", {{"via", "admin-api"}, {"policy", policy->name},
                                 {"change", replaced ? "replaced" : "created"},
                                 {"dry_run", policy->dry_run}});
    return ok(en::policy_to_json(*policy), replaced ? 200 : 201);
  });

  router.add("DELETE", "/accord/v1/policies/{name}", [this](const http::Request& r) {
    std::lock_guard lock(write_mu_);
    auto policies = gate_->policies();
    auto it = std::find_if(policies.begin(), policies.end(),
                           [&](const en::Policy& p) { return p.name == r.param("name"); });
    if (it == policies.end())
      return http::error_response(404, kPolicyNotFound, "policy '" + r.param("name") + "' not found");
    json::value gone = en::policy_to_json(*it);
    policies.erase(it);
    if (auto failed = apply(std::move(policies), true)) return *failed;
    log::info("policy_changed", {{"via", "admin-api"}, {"policy", r.param("name")}, {"change", "deleted"}});
    return ok(gone);
  });

  router.add("POST", "/accord/v1/policies/reset", [this](const http::Request&) {
    std::lock_guard lock(write_mu_);
    if (auto failed = apply(file_policies_, false)) return *failed;
    log::info("policies_changed", {{"via", "reset-to-config"}, {"policies", file_policies_.size()}});
    return list();
  });
}

}  // namespace accord::gate
