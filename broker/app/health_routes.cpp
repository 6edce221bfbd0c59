#include "broker/app/health_routes.hpp"

#include <chrono>

#include <boost/json.hpp>

#include "broker/net/server.hpp"

namespace accord {

namespace {
// Below the usual probe timeout (Kubernetes: 1 s), so a stuck loop reads as 503, not a timeout.
constexpr std::chrono::milliseconds kLoopAnswerTimeout{500};

http::Response json_response(unsigned status, const boost::json::object& body) {
  http::Response r{status, boost::json::serialize(body)};
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}
}  // namespace

void add_health_routes(http::Router& router, net::Server& server) {
  router.add("GET", "/healthz", http::Access::Public, [&server](const http::Request&) {
    boost::json::object body;
    if (server.event_loops_respond(kLoopAnswerTimeout)) {
      body["status"] = "ok";
      return json_response(200, body);
    }
    body["status"] = "unhealthy";
    body["reason"] = "an event loop did not answer within " +
                     std::to_string(kLoopAnswerTimeout.count()) + " ms";
    return json_response(503, body);
  });

  router.add("GET", "/readyz", http::Access::Public, [&server](const http::Request&) {
    boost::json::array reasons;
    if (server.store() == nullptr) reasons.emplace_back("store not open");
    if (!server.listening()) reasons.emplace_back("listeners not bound");
    if (server.stopping()) reasons.emplace_back("shutting down");
    boost::json::object body;
    if (reasons.empty()) {
      body["status"] = "ready";
      return json_response(200, body);
    }
    body["status"] = "not ready";
    body["reasons"] = std::move(reasons);
    return json_response(503, body);
  });
}

}  // namespace accord
