// /accord/v1/contracts: service contracts (docs/contracts.md) published by `accordctl contract
// publish`, so that `accordctl contract test` of a producer can check every consumer's
// expectations. Stored opaque, as JSON, in the registry's settings table under
// "contract/<service>".
#include <boost/json.hpp>

#include "registry/core/registry.hpp"
#include "registry/http/router.hpp"

namespace accord::registry {

namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

constexpr const char* kPrefix = "contract/";

Response reply(const json::value& body, unsigned status = 200) {
  return Response{status, json::serialize(body), "application/json", {}};
}

Response not_found(const std::string& service) {
  return http::error_response(404, 40401, "Contract of service '" + service + "' not found");
}

}  // namespace

void add_contract_routes(http::Router& router, Registry& registry) {
  Registry* reg = &registry;

  router.add("GET", "/accord/v1/contracts", [reg](const Request&) {
    json::array a;
    for (auto& [key, text] : reg->stored_settings(kPrefix)) {
      boost::system::error_code ec;
      auto v = json::parse(text, ec);
      if (!ec) a.push_back(std::move(v));
    }
    return reply(a);
  });

  router.add("GET", "/accord/v1/contracts/{service}", [reg](const Request& req) {
    const auto& service = req.param("service");
    auto text = reg->stored_setting(kPrefix + service);
    if (!text) return not_found(service);
    return Response{200, *text, "application/json", {}};
  });

  router.add("PUT", "/accord/v1/contracts/{service}", [reg](const Request& req) {
    const auto& service = req.param("service");
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec || !v.is_object())
      return http::error_response(400, 40002, "Invalid request body: a JSON object (the contract) is expected");
    auto& o = v.get_object();
    const auto* s = o.if_contains("service");
    if (!s || !s->is_string() || s->get_string() != service)
      return http::error_response(422, 42202,
                                  "the contract's \"service\" must be the service of the path ('" + service + "')");
    const std::string text = json::serialize(v);
    if (auto err = reg->store_setting(kPrefix + service, text))
      return http::error_response(500, 50001, "cannot store the contract: " + *err);
    return reply(v);
  });

  router.add("DELETE", "/accord/v1/contracts/{service}", [reg](const Request& req) {
    const auto& service = req.param("service");
    auto text = reg->stored_setting(kPrefix + service);
    if (!text) return not_found(service);
    if (auto err = reg->store_setting(kPrefix + service, std::nullopt))
      return http::error_response(500, 50001, "cannot delete the contract: " + *err);
    return Response{200, *text, "application/json", {}};
  });
}

}  // namespace accord::registry
