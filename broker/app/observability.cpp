#include "broker/app/observability.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "broker/gate/gate_metrics.hpp"
#include "broker/store/store.hpp"

namespace accord {

namespace json = boost::json;

namespace {

struct Counter {
  const char* name;
  const char* help;
  std::uint64_t value;
};

std::vector<Counter> broker_counters(const core::Metrics& m) {
  auto v = [](const core::Metrics::Counter& c) { return c.load(std::memory_order_relaxed); };
  return {
      {"accord_connections_accepted_total", "TCP connections accepted.", v(m.connections_accepted)},
      {"accord_bytes_received_total", "Bytes read from client sockets.", v(m.bytes_received)},
      {"accord_bytes_sent_total", "Bytes written to client sockets.", v(m.bytes_sent)},
      {"accord_protocol_errors_total", "Connections closed for a protocol error.", v(m.protocol_errors)},
      {"accord_idle_timeouts_total", "Connections closed by server.idle_timeout_ms.", v(m.idle_timeouts)},
  };
}

std::vector<std::pair<const char*, std::uint64_t>> drops(const core::Metrics& m) {
  auto v = [](const core::Metrics::Counter& c) { return c.load(std::memory_order_relaxed); };
  return {{"slow_subscriber_qos0", v(m.dropped_qos0_slow_subscriber)},
          {"queue_full", v(m.dropped_queue_full)},
          {"expired", v(m.dropped_expired)},
          {"too_large", v(m.dropped_too_large)},
          {"offline_qos0", v(m.dropped_offline_qos0)}};
}

std::vector<std::pair<const char*, std::uint64_t>> refusals(const core::Metrics& m) {
  using R = core::Metrics::RefusedReason;
  std::vector<std::pair<const char*, std::uint64_t>> out;
  for (R r : {R::MaxConnections, R::PerAddress, R::Rate})
    out.emplace_back(core::Metrics::refused_reason_name(r),
                     m.connections_refused[static_cast<std::size_t>(r)].load(std::memory_order_relaxed));
  return out;
}

using Labelled = std::vector<std::pair<const char*, std::uint64_t>>;
// MQTT authentication refusals by reason, and ACL denials by action (broker/auth).
Labelled auth_failures(const core::Metrics& m) {
  auto v = [](const core::Metrics::Counter& c) { return c.load(std::memory_order_relaxed); };
  return {{"bad_credentials", v(m.auth_failed_bad_credentials)},
          {"not_authorized", v(m.auth_failed_not_authorized)},
          {"bad_method", v(m.auth_failed_bad_method)},
          {"busy", v(m.auth_failed_busy)}};
}
Labelled acl_denials(const core::Metrics& m) {
  auto v = [](const core::Metrics::Counter& c) { return c.load(std::memory_order_relaxed); };
  return {{"subscribe", v(m.acl_denied_subscribe)},
          {"publish", v(m.acl_denied_publish)},
          {"will", v(m.acl_denied_will)},
          {"read", v(m.acl_denied_read)}};
}

}  // namespace

std::string render_prometheus(const core::Metrics& m, const core::Broker& broker,
                              const gate::GateMetrics* gate, store::Store* store) {
  std::string out;
  for (const auto& c : broker_counters(m))
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", c.name, c.help, c.value);
  auto header = [&](const char* name, const char* help, const char* type) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n", name, help, type);
  };
  header("accord_connections_refused_total",
         "TCP connections closed right after accept, by the limit they hit.", "counter");
  for (const auto& [reason, n] : refusals(m))
    out += fmt::format("accord_connections_refused_total{{reason=\"{}\"}} {}\n", reason, n);
  header("accord_messages_received_total", "PUBLISH packets received from clients, by QoS.", "counter");
  for (int q = 0; q < 3; ++q)
    out += fmt::format("accord_messages_received_total{{qos=\"{}\"}} {}\n", q, m.received(q));
  header("accord_messages_sent_total", "PUBLISH packets sent to clients, by QoS.", "counter");
  for (int q = 0; q < 3; ++q)
    out += fmt::format("accord_messages_sent_total{{qos=\"{}\"}} {}\n", q, m.sent(q));
  header("accord_messages_dropped_total", "Messages not delivered, by reason.", "counter");
  for (const auto& [reason, n] : drops(m))
    out += fmt::format("accord_messages_dropped_total{{reason=\"{}\"}} {}\n", reason, n);
  header("accord_auth_failures_total", "CONNECTs refused by authentication, by reason.", "counter");
  for (const auto& [reason, n] : auth_failures(m))
    out += fmt::format("accord_auth_failures_total{{reason=\"{}\"}} {}\n", reason, n);
  header("accord_acl_denied_total", "Operations the ACL denied, by action (read: not delivered).", "counter");
  for (const auto& [action, n] : acl_denials(m))
    out += fmt::format("accord_acl_denied_total{{action=\"{}\"}} {}\n", action, n);
  auto gauge = [&](const char* name, const char* help, std::int64_t value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name, help, value);
  };
  gauge("accord_connections", "Open client connections.",
        m.connections_current.load(std::memory_order_relaxed));
  gauge("accord_sessions", "Sessions (online and offline).",
        static_cast<std::int64_t>(broker.session_count()));
  gauge("accord_retained_messages", "Retained messages.",
        static_cast<std::int64_t>(broker.retained_count()));
  gauge("accord_subscriptions", "Subscriptions.",
        static_cast<std::int64_t>(broker.subscription_count()));
  gauge("accord_queued_messages", "QoS 1/2 messages waiting in session queues, all sessions.",
        m.queued_messages());
  gauge("accord_queued_bytes", "Payload bytes of the messages in session queues, all sessions.",
        m.queued_bytes());
  if (store) {
    const store::EngineStats s = store->engine_stats();
    auto g = [&](const char* name, const char* help, std::uint64_t v) {
      gauge(name, help, static_cast<std::int64_t>(v));
    };
    g("accord_store_estimated_keys", "RocksDB rocksdb.estimate-num-keys, all column families.",
      s.estimate_num_keys);
    g("accord_store_sst_bytes", "RocksDB rocksdb.total-sst-files-size, all column families.",
      s.total_sst_bytes);
    g("accord_store_live_data_bytes", "RocksDB rocksdb.estimate-live-data-size, all column families.",
      s.live_data_bytes);
    g("accord_store_pending_compaction_bytes",
      "RocksDB rocksdb.estimate-pending-compaction-bytes, all column families.",
      s.pending_compaction_bytes);
    g("accord_store_memtable_bytes", "RocksDB rocksdb.cur-size-all-mem-tables, all column families.",
      s.memtable_bytes);
  }
  if (gate) out += gate->render_prometheus();
  return out;
}

void add_metrics_route(http::Router& router, const core::Metrics& metrics,
                       const core::Broker& broker, const gate::GateMetrics* gate,
                       std::function<store::Store*()> store) {
  router.add("GET", "/metrics", [&metrics, &broker, gate, store](const http::Request&) {
    http::Response r{200, render_prometheus(metrics, broker, gate, store ? store() : nullptr)};
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  });
}

void publish_sys_topics(core::Broker& broker, const core::Metrics& m,
                        const gate::GateMetrics* gate) {
  auto publish = [&](std::string topic, const json::value& doc) {
    mqtt::Properties props;
    props.content_type = "application/json";
    broker.publish_transient(core::make_message(std::move(topic), json::serialize(doc), 0, true,
                                                props, broker.now(), nullptr));
  };
  json::object b;
  for (const auto& c : broker_counters(m)) b[c.name] = c.value;
  json::object refused;
  for (const auto& [reason, n] : refusals(m)) refused[reason] = n;
  b["accord_connections_refused_total"] = std::move(refused);
  b["accord_messages_received_total"] = m.messages_received();
  b["accord_messages_sent_total"] = m.messages_sent();
  json::object dropped;
  for (const auto& [reason, n] : drops(m)) dropped[reason] = n;
  b["accord_messages_dropped_total"] = std::move(dropped);
  json::object auth_failed, acl_denied;
  for (const auto& [reason, n] : auth_failures(m)) auth_failed[reason] = n;
  for (const auto& [action, n] : acl_denials(m)) acl_denied[action] = n;
  b["accord_auth_failures_total"] = std::move(auth_failed);
  b["accord_acl_denied_total"] = std::move(acl_denied);
  b["connections"] = m.connections_current.load(std::memory_order_relaxed);
  b["sessions"] = broker.session_count();
  b["retained_messages"] = broker.retained_count();
  b["subscriptions"] = broker.subscription_count();
  b["queued_messages"] = m.queued_messages();
  b["queued_bytes"] = m.queued_bytes();
  publish("$SYS/accord/broker", b);
  if (!gate) return;
  for (auto& [policy, doc] : gate->to_json())
    publish("$SYS/accord/enforcement/" + std::string(policy), doc);
}

}  // namespace accord
