#include "broker/app/observability.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "broker/gate/gate_metrics.hpp"

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
      {"accord_connections_refused_total", "Connections refused (limits, bad CONNECT).", v(m.connections_refused)},
      {"accord_messages_received_total", "PUBLISH packets received from clients.", v(m.messages_received)},
      {"accord_messages_sent_total", "PUBLISH packets sent to clients.", v(m.messages_sent)},
      {"accord_bytes_received_total", "Bytes read from client sockets.", v(m.bytes_received)},
      {"accord_bytes_sent_total", "Bytes written to client sockets.", v(m.bytes_sent)},
      {"accord_protocol_errors_total", "Connections closed for a protocol error.", v(m.protocol_errors)},
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

}  // namespace

std::string render_prometheus(const core::Metrics& m, const core::Broker& broker,
                              const gate::GateMetrics* gate) {
  std::string out;
  for (const auto& c : broker_counters(m))
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", c.name, c.help, c.value);
  out += "# HELP accord_messages_dropped_total Messages not delivered, by reason.\n"
         "# TYPE accord_messages_dropped_total counter\n";
  for (const auto& [reason, n] : drops(m))
    out += fmt::format("accord_messages_dropped_total{{reason=\"{}\"}} {}\n", reason, n);
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
  if (gate) out += gate->render_prometheus();
  return out;
}

void add_metrics_route(http::Router& router, const core::Metrics& metrics,
                       const core::Broker& broker, const gate::GateMetrics* gate) {
  router.add("GET", "/metrics", [&metrics, &broker, gate](const http::Request&) {
    http::Response r{200, render_prometheus(metrics, broker, gate)};
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
  json::object dropped;
  for (const auto& [reason, n] : drops(m)) dropped[reason] = n;
  b["accord_messages_dropped_total"] = std::move(dropped);
  b["connections"] = m.connections_current.load(std::memory_order_relaxed);
  b["sessions"] = broker.session_count();
  b["retained_messages"] = broker.retained_count();
  b["subscriptions"] = broker.subscription_count();
  publish("$SYS/accord/broker", b);
  if (!gate) return;
  for (auto& [policy, doc] : gate->to_json())
    publish("$SYS/accord/enforcement/" + std::string(policy), doc);
}

}  // namespace accord
