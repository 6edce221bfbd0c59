// What the broker tells about itself: GET /metrics on the admin API (Prometheus text format)
// and $SYS/accord/... topics (JSON documents, retained in memory, never stored).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "broker/core/broker.hpp"
#include "broker/core/metrics.hpp"
#include "registry/http/router.hpp"

namespace accord::gate {
class GateMetrics;
}
namespace accord::store {
class Store;
}

namespace accord {

// `gate` may be null (no policies configured at start and none possible); `store` too (no
// RocksDB gauges then). The route asks `store` for the store on every scrape.
std::string render_prometheus(const core::Metrics& metrics, const core::Broker& broker,
                              const gate::GateMetrics* gate, store::Store* store = nullptr);
void add_metrics_route(http::Router& router, const core::Metrics& metrics,
                       const core::Broker& broker, const gate::GateMetrics* gate,
                       std::function<store::Store*()> store = {});

// Publishes $SYS/accord/broker and $SYS/accord/enforcement/<policy> (QoS 0, retained).
void publish_sys_topics(core::Broker& broker, const core::Metrics& metrics,
                        const gate::GateMetrics* gate);

}  // namespace accord
