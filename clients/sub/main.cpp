// accord-sub: subscribes (Paho MQTT C++, MQTT 5 by default) and prints the events it receives.
//
//   accord-sub -t 'fleet/#'                         pretty: topic, time, CloudEvents attributes,
//                                                   data pretty-printed
//   accord-sub -t 'fleet/#' -o jsonl --count 10     one JSON object per message
//   accord-sub -t 'fleet/#' --type 'com.example.*' --timeout 5
//
// A CloudEvent is recognised in structured mode (content type application/cloudevents+json, or
// a JSON object payload with "specversion" when there is no content type, as in MQTT 3.1.1) and
// in MQTT 5 binary mode (a "specversion" user property; attributes are the user properties with
// CloudEvents attribute names, datacontenttype is the Content Type).
//
// JSON lines: {"topic","qos","retain","received","properties":{content_type, ...,
// "user_properties":[[name,value],...]},"payload":..., "payload_encoding":"json"|"text"|"base64",
// "ce_mode":"structured"|"binary"|null,"ce":{attributes}|null}; with "json" the payload is the
// parsed value, "text" a string, "base64" the bytes in base64.
//
// Exit codes (../device/mqtt_connection.hpp): 0 done (--count reached, --timeout idle without
// --count, or SIGINT/SIGTERM); 1 the subscription was refused, the connection was lost, or
// --timeout expired before --count messages; 2 usage; 3 broker unreachable.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <optional>
#include <sstream>

#include "mqtt_connection.hpp"

namespace accord::clients {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};

struct Options {
  BrokerOptions broker;
  std::vector<std::string> topics;
  int qos = 1;
  std::string client_id;
  std::string output = "pretty";
  std::string type;
  long long count = 0;
  double timeout_s = 0;
  bool quiet = false;
};

bool valid_utf8_text(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      ++i;
      continue;
    }
    const std::size_t extra = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
    if (extra == 0 || c == 0xc0 || c == 0xc1 || c > 0xf4 || i + extra >= s.size())
      return false;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

bool is_attribute_name(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

struct Decoded {
  json::object properties;
  json::value payload;
  std::string encoding;  // json | text | base64
  std::string ce_mode;   // structured | binary | ""
  json::object ce;       // attributes (no data)
  json::value data;      // the event's data (structured: "data"; binary: the payload)
  bool has_data = false;
};

Decoded decode(const mqtt::const_message_ptr& msg) {
  Decoded d;
  const auto& props = msg->get_properties();
  std::string content_type;
  if (props.contains(mqtt::property::CONTENT_TYPE)) {
    content_type = mqtt::get<std::string>(props, mqtt::property::CONTENT_TYPE);
    d.properties["content_type"] = content_type;
  }
  if (props.contains(mqtt::property::PAYLOAD_FORMAT_INDICATOR))
    d.properties["payload_format_indicator"] = int(mqtt::get<uint8_t>(props, mqtt::property::PAYLOAD_FORMAT_INDICATOR));
  if (props.contains(mqtt::property::MESSAGE_EXPIRY_INTERVAL))
    d.properties["message_expiry_interval"] = mqtt::get<uint32_t>(props, mqtt::property::MESSAGE_EXPIRY_INTERVAL);
  if (props.contains(mqtt::property::RESPONSE_TOPIC))
    d.properties["response_topic"] = mqtt::get<std::string>(props, mqtt::property::RESPONSE_TOPIC);
  if (props.contains(mqtt::property::CORRELATION_DATA))
    d.properties["correlation_data_base64"] = base64(mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA));
  json::array users;
  std::optional<std::string> specversion;
  json::object binary_attrs;
  for (std::size_t i = 0; i < props.count(mqtt::property::USER_PROPERTY); ++i) {
    const auto up = mqtt::get<mqtt::string_pair>(props, mqtt::property::USER_PROPERTY, i);
    const std::string& k = std::get<0>(up);
    const std::string& v = std::get<1>(up);
    users.push_back(json::array{json::string(k), json::string(v)});
    if (k == "specversion") specversion = v;
    if (is_attribute_name(k) && !binary_attrs.contains(k)) binary_attrs[k] = v;
  }
  if (!users.empty()) d.properties["user_properties"] = std::move(users);

  const std::string payload = msg->get_payload_str();
  json::error_code ec;
  json::value parsed = payload.empty() ? json::value() : json::parse(payload, ec);
  if (!payload.empty() && !ec) {
    d.payload = parsed;
    d.encoding = "json";
  } else if (valid_utf8_text(payload)) {
    d.payload = json::string(payload);
    d.encoding = "text";
  } else {
    d.payload = json::string(base64(payload));
    d.encoding = "base64";
  }

  const bool structured_ct = content_type.rfind("application/cloudevents+json", 0) == 0;
  const auto* obj = d.encoding == "json" ? d.payload.if_object() : nullptr;
  if (specversion && !structured_ct) {
    d.ce_mode = "binary";
    d.ce = std::move(binary_attrs);
    if (!content_type.empty()) d.ce["datacontenttype"] = content_type;
    d.data = d.payload;
    d.has_data = !payload.empty();
  } else if (obj && obj->contains("specversion") && (structured_ct || content_type.empty())) {
    d.ce_mode = "structured";
    for (const auto& [k, v] : *obj) {
      if (k == "data" || k == "data_base64") continue;
      d.ce[k] = v;
    }
    if (const auto* data = obj->if_contains("data")) {
      d.data = *data;
      d.has_data = true;
    } else if (const auto* b64 = obj->if_contains("data_base64")) {
      d.data = *b64;
      d.has_data = true;
    }
  }
  return d;
}

bool type_matches(const std::string& pattern, const Decoded& d) {
  if (pattern.empty()) return true;
  const auto* t = d.ce.if_contains("type");
  if (!t || !t->is_string()) return false;
  const std::string_view type = t->as_string();
  if (!pattern.empty() && pattern.back() == '*') {
    const std::string_view prefix(pattern.data(), pattern.size() - 1);
    return type.substr(0, prefix.size()) == prefix;
  }
  return type == pattern;
}

void pretty_json(std::ostream& out, const json::value& v, const std::string& indent) {
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.as_object();
      if (o.empty()) {
        out << "{}";
        return;
      }
      out << "{\n";
      bool first = true;
      for (const auto& [k, val] : o) {
        if (!first) out << ",\n";
        first = false;
        out << indent << "  " << json::serialize(json::string(k)) << ": ";
        pretty_json(out, val, indent + "  ");
      }
      out << "\n" << indent << "}";
      return;
    }
    case json::kind::array: {
      const auto& a = v.as_array();
      if (a.empty()) {
        out << "[]";
        return;
      }
      out << "[\n";
      bool first = true;
      for (const auto& val : a) {
        if (!first) out << ",\n";
        first = false;
        out << indent << "  ";
        pretty_json(out, val, indent + "  ");
      }
      out << "\n" << indent << "]";
      return;
    }
    default: out << to_json_text(v);
  }
}

void print(const Options& o, const mqtt::const_message_ptr& msg, const Decoded& d, const std::string& when) {
  if (o.output == "jsonl") {
    json::object line{{"topic", msg->get_topic()},
                      {"qos", msg->get_qos()},
                      {"retain", msg->is_retained()},
                      {"received", when},
                      {"properties", d.properties},
                      {"payload", d.payload},
                      {"payload_encoding", d.encoding}};
    if (d.ce_mode.empty()) {
      line["ce_mode"] = nullptr;
      line["ce"] = nullptr;
    } else {
      line["ce_mode"] = d.ce_mode;
      line["ce"] = d.ce;
    }
    std::cout << to_json_text(line) << std::endl;
    return;
  }
  std::cout << when << "  " << msg->get_topic() << "  (QoS " << msg->get_qos()
            << (msg->is_retained() ? ", retained" : "") << ")\n";
  const json::value* body = &d.payload;
  std::string encoding = d.encoding;
  if (!d.ce_mode.empty()) {
    std::cout << "  CloudEvent (" << d.ce_mode << " mode)\n";
    for (const auto& [k, v] : d.ce)
      std::cout << "    " << std::string(k) << ": " << (v.is_string() ? std::string(v.as_string()) : to_json_text(v)) << "\n";
    if (!d.has_data) {
      std::cout << std::endl;
      return;
    }
    body = &d.data;
    if (d.ce_mode == "structured") encoding = "json";
  } else if (const auto* ct = d.properties.if_contains("content_type")) {
    std::cout << "  content type: " << ct->as_string() << "\n";
  }
  if (const auto* up = d.properties.if_contains("user_properties"); up && d.ce_mode.empty())
    for (const auto& pair : up->as_array())
      std::cout << "  " << pair.as_array()[0].as_string() << " = " << pair.as_array()[1].as_string() << "\n";
  std::cout << "  ";
  if (encoding == "json") {
    std::ostringstream s;
    pretty_json(s, *body, "  ");
    std::cout << s.str();
  } else if (encoding == "text") {
    std::cout << body->as_string();
  } else {
    std::cout << "(binary, base64) " << body->as_string();
  }
  std::cout << "\n" << std::endl;
}

int run(Options& o) {
  if (o.topics.empty()) o.topics.push_back("#");
  if (o.client_id.empty()) o.client_id = "accord-sub-" + std::to_string(::getpid());
  const std::string uri = o.broker.server_uri();
  mqtt::async_client cli(uri, o.client_id,
                         mqtt::create_options(o.broker.mqtt == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1));
  cli.start_consuming();
  try {
    auto tok = cli.connect(o.broker.connect_options());
    if (!tok->wait_for(std::chrono::seconds(o.broker.connect_timeout_s + 2)))
      throw Failure{kUnreachable, "cannot reach the broker at " + uri + ": connect timed out"};
  } catch (const mqtt::exception& e) {
    throw connect_failure(uri, e);
  }
  auto disconnect = [&] {
    try {
      if (cli.is_connected()) cli.disconnect(1000)->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
    }
  };
  try {
    auto filters = mqtt::string_collection::create(o.topics);
    std::vector<int> qos(o.topics.size(), o.qos);
    auto tok = cli.subscribe(filters, qos);
    if (!tok->wait_for(std::chrono::seconds(o.broker.connect_timeout_s + 2)))
      throw Failure{kFailed, "no SUBACK from " + uri};
    std::vector<int> granted;  // MQTT 5 reason codes, MQTT 3.1.1 granted QoS (0x80 = failure)
    const mqtt::subscribe_response response = tok->get_subscribe_response();
    for (auto rc : response.get_reason_codes()) granted.push_back(int(rc));
    for (std::size_t i = 0; i < granted.size() && i < o.topics.size(); ++i)
      if (granted[i] >= 0x80)
        throw Failure{kFailed, "subscription to " + o.topics[i] + " refused (" + hex_code(granted[i]) + ")"};
  } catch (const mqtt::exception& e) {
    disconnect();
    throw Failure{kFailed, "subscribe failed: " + std::string(e.what())};
  } catch (const Failure&) {
    disconnect();
    throw;
  }
  if (!o.quiet) {
    std::string list;
    for (const auto& t : o.topics) list += (list.empty() ? "" : ", ") + t;
    std::cerr << "accord-sub: subscribed to " << list << " (QoS " << o.qos << ") at " << uri << std::endl;
  }

  long long printed = 0;
  auto idle_since = Clock::now();
  const auto idle = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.timeout_s));
  int rc = kOk;
  while (!g_stop) {
    if (o.count > 0 && printed >= o.count) break;
    if (o.timeout_s > 0 && Clock::now() - idle_since >= idle) {
      if (o.count > 0) {
        std::cerr << "accord-sub: " << printed << " of " << o.count << " messages before the "
                  << o.timeout_s << " s timeout" << std::endl;
        rc = kFailed;
      }
      break;
    }
    mqtt::const_message_ptr msg;
    if (!cli.try_consume_message_for(&msg, std::chrono::milliseconds(100))) continue;
    if (!msg) {
      if (!cli.is_connected()) {
        std::cerr << "accord-sub: connection to " << uri << " lost" << std::endl;
        rc = kFailed;
        break;
      }
      continue;
    }
    idle_since = Clock::now();
    const Decoded d = decode(msg);
    if (!type_matches(o.type, d)) continue;
    print(o, msg, d, rfc3339_now());
    if (!std::cout) break;  // stdout closed (e.g. piped into head)
    ++printed;
  }
  disconnect();
  return rc;
}

}  // namespace
}  // namespace accord::clients

int main(int argc, char** argv) {
  using namespace accord::clients;
  CLI::App app{"accord-sub: subscribe and print CloudEvents"};
  Options o;
  o.broker.add_to(app);
  app.add_option("-t,--topic", o.topics, "topic filter (repeatable; default #)");
  app.add_option("-q,--qos", o.qos, "subscription QoS 0, 1 or 2 (default 1)")->check(CLI::Range(0, 2));
  app.add_option("-i,--client-id", o.client_id, "client id (default accord-sub-PID)");
  app.add_option("-o,--output", o.output, "pretty or jsonl")->check(CLI::IsMember({"pretty", "jsonl"}));
  app.add_option("--type", o.type, "only CloudEvents of this type; PREFIX* matches a prefix");
  app.add_option("-c,--count", o.count, "exit after printing N messages")->check(CLI::Range(1LL, 1LL << 40));
  app.add_option("--timeout", o.timeout_s, "exit after S seconds without a message")->check(CLI::Range(0.001, 1e7));
  app.add_flag("--quiet", o.quiet, "no 'subscribed' line on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return run(o);
  } catch (const Failure& f) {
    std::cerr << "accord-sub: " << f.message << '\n';
    return f.code;
  } catch (const std::exception& e) {
    std::cerr << "accord-sub: " << e.what() << '\n';
    return kFailed;
  }
}
