// Where the policy set comes from, where runtime changes go, and the admin API over both.
//
// Two sources: the config file's [[policies]] and the set last written through the admin API,
// which is kept in the registry's settings table together with the file's set as it was then.
// At start-up the most recent intent wins: if the file's set is unchanged since that API
// write, the API's set is used (a restart keeps runtime changes); if the file changed since, the
// file is used and the stored set is dropped (someone edited the file after the API change).
// POST /accord/v1/policies/reset goes back to the file at runtime.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/gate/policy_gate.hpp"
#include "registry/http/router.hpp"

namespace accord::registry {
class Registry;
}

namespace accord::gate {

class PolicyControl {
 public:
  // `registry` may be null (registry disabled): runtime changes then last until a restart.
  PolicyControl(registry::Registry* registry, std::vector<enforcement::Policy> file_policies);

  struct Initial {
    std::vector<enforcement::Policy> policies;
    const char* source = "config";  // "config" or "admin-api"
    std::string note;               // why, for the start-up log
  };
  // The set to start with (see above). An unreadable stored set is logged and the file's used;
  // throws std::runtime_error only when a stale stored set cannot be removed.
  Initial initial();

  // Attaches the gate the routes change; call before serving requests.
  void attach(PolicyGate& gate) { gate_ = &gate; }
  void add_routes(http::Router& router);

 private:
  // Validates, persists, then swaps in `policies`; an error response on failure (and nothing
  // changed).
  std::optional<http::Response> apply(std::vector<enforcement::Policy> policies, bool from_api);
  http::Response list() const;

  registry::Registry* registry_;
  const std::vector<enforcement::Policy> file_policies_;
  PolicyGate* gate_ = nullptr;
  std::mutex write_mu_;  // one change at a time: persist and swap in the same order
  const char* source_ = "config";
};

}  // namespace accord::gate
