// GET /healthz and GET /readyz on the admin API, for orchestrators' probes. Both are public
// (no credentials even when the admin API has them) and say nothing beyond up/ready and why not.
#pragma once

#include "registry/http/router.hpp"

namespace accord::net {
class Server;
}

namespace accord {

// /healthz: 200 {"status":"ok"} when every I/O thread and the control loop run a posted no-op
// within a short bound, else 503 naming how many did not. Liveness: restart when failing.
// /readyz: 200 when the store is open, the listeners are bound and no shutdown has begun, else
// 503 {"status":"not ready","reasons":[...]}. Readiness: take out of the load balancer.
void add_health_routes(http::Router& router, net::Server& server);

}  // namespace accord
