// Registers the schema registry's REST endpoints (Confluent-compatible plus /accord/v1) on the
// admin API's router. `registry` must outlive the router.
#pragma once

#include "registry/core/registry.hpp"
#include "registry/http/router.hpp"

namespace accord::registry {

void add_registry_routes(http::Router& router, Registry& registry);

}  // namespace accord::registry
