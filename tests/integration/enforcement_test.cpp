// CloudEvents contract enforcement in the publish path, end to end: [[policies]] in the config
// file, schemas in the registry (admin HTTP API), real MQTT clients on both sides.
//
//   - rejection with PUBACK/PUBREC 0x99 and a reason string naming field and rule (MQTT 5)
//   - dead-lettering with the accord-* user properties; 3.1.1 reject without an ack (drop,
//     disconnect)
//   - valid events delivered byte-identical (payload and MQTT 5 properties), structured and binary
//   - schema evolution through the registry, dataschema pins
//   - policies changed at runtime through /accord/v1/policies, persisted over a restart, reset
//   - /metrics (Prometheus text) and $SYS/accord/enforcement/<policy>
//   - the will checked at CONNECT, and bad [[policies]] tables refused at startup
//
// Clients: Paho MQTT C++ (MQTT 5 and 3.1.1). Paho C++ 1.2 keeps a PUBACK's reason code on the
// delivery token but drops the ack's properties (token::on_failure5 leaves props_ commented
// out), so the reason *string* is read with Paho's C API (MQTTAsync, the library Paho C++ wraps),
// whose onFailure5 callback hands over the PUBACK/PUBREC properties.
//
// Accord only: Mosquitto has no contract enforcement.
#include <MQTTAsync.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "prometheus.hpp"
#include "test_support.hpp"

namespace accord::it {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kPayloadFormatInvalid = 0x99;
constexpr const char* kCeJson = "application/cloudevents+json";

// ---- schemas and events -------------------------------------------------------------------------

const std::string kThermoType = "com.example.thermostat.reading";
// An open model: temperature required, at most 85; an optional note.
const std::string kThermoSchema =
    R"({"type":"object","properties":{"temperature":{"type":"number","maximum":85},"note":{"type":"string"}},"required":["temperature"]})";

const std::string kThermostatPolicy = R"(
[[policies]]
name = "thermostat"
topic_filter = "fleet/+/reading"
validate_data = true
action = "reject"
)";

// A structured-mode CloudEvent (application/cloudevents+json) with `data` as given (JSON text).
std::string structured(const std::string& data, const std::string& type = kThermoType,
                       const std::string& id = "evt-1", const std::string& extra = "") {
  return R"({"specversion":"1.0","id":")" + id + R"(","source":"/fleet/unit-7","type":")" + type +
         R"(","datacontenttype":"application/json")" + extra + R"(,"data":)" + data + "}";
}

std::string valid_reading(double t = 21.5) {
  std::ostringstream s;
  s << R"({"temperature":)" << t << "}";
  return structured(s.str());
}
const std::string kTooHot = structured(R"({"temperature":99})", kThermoType, "evt-hot");
const std::string kTooHotReason = "data/temperature: 99 is greater than the maximum 85";

// MQTT 5 properties of a structured event.
mqtt::properties ce_props() {
  return mqtt::properties{{mqtt::property::CONTENT_TYPE, kCeJson}};
}

json::value parse_json(std::string_view text) {
  return json::parse(text);
}

std::vector<std::pair<std::string, std::string>> user_properties(const mqtt::properties& p) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < p.count(mqtt::property::USER_PROPERTY); ++i) {
    auto up = mqtt::get<mqtt::string_pair>(p, mqtt::property::USER_PROPERTY, i);
    out.emplace_back(std::get<0>(up), std::get<1>(up));
  }
  return out;
}

// ---- Paho C++ publish with the ack's reason code ------------------------------------------------

// Publishes and waits for the end of the QoS 1/2 flow; returns the PUBACK/PUBREC reason code
// as the delivery token reports it (a failure code arrives as an mqtt::exception).
int publish_rc(PahoClient& c, const std::string& topic, const std::string& payload, int qos,
               const mqtt::properties& props = {}, bool retain = false) {
  auto msg = mqtt::make_message(topic, payload, qos, retain);
  if (c.version() == 5) msg->set_properties(props);
  mqtt::delivery_token_ptr tok = c.client().publish(msg);
  try {
    if (!tok->wait_for(10s))
      throw std::runtime_error("publish to " + topic + " not acknowledged in 10 s");
  } catch (const mqtt::exception& e) {
    EXPECT_EQ(int(e.get_reason_code()), int(tok->get_reason_code())) << e.what();
  }
  return int(tok->get_reason_code());
}

// ---- Paho C (MQTTAsync): the ack's reason string ------------------------------------------------

struct AckSeen {
  bool failed = false;
  int reason = -1;
  std::string reason_string;
};

std::string reason_string_of(const MQTTProperties* props) {
  if (!props) return {};
  MQTTProperty* p = MQTTProperties_getProperty(const_cast<MQTTProperties*>(props),
                                               MQTTPROPERTY_CODE_REASON_STRING);
  return p ? std::string(p->value.data.data, std::size_t(p->value.data.len)) : std::string();
}

// One MQTT 5 connection through Paho's C API, used where Paho C++ hides the ack's properties.
// The constructor starts connecting; the first publish waits for the CONNACK (so that the
// connect can run alongside the Paho C++ clients' ones, see connect_together()).
class PahoCPublisher {
 public:
  PahoCPublisher(const std::string& uri, const std::string& client_id) {
    MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer5;
    if (MQTTAsync_createWithOptions(&h_, uri.c_str(), client_id.c_str(),
                                    MQTTCLIENT_PERSISTENCE_NONE, nullptr, &co) != MQTTASYNC_SUCCESS)
      throw std::runtime_error("MQTTAsync_createWithOptions failed");
    MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer5;
    o.cleanstart = 1;
    o.keepAliveInterval = 30;
    o.connectTimeout = 5;
    o.context = &connected_;
    o.onSuccess5 = [](void* ctx, MQTTAsync_successData5* r) {
      static_cast<std::promise<AckSeen>*>(ctx)->set_value({false, r ? r->reasonCode : 0, {}});
    };
    o.onFailure5 = [](void* ctx, MQTTAsync_failureData5* r) {
      static_cast<std::promise<AckSeen>*>(ctx)->set_value({true, r ? r->reasonCode : -1, {}});
    };
    if (MQTTAsync_connect(h_, &o) != MQTTASYNC_SUCCESS)
      throw std::runtime_error("MQTTAsync_connect failed");
  }
  void wait_connected() {
    if (is_connected_) return;
    auto f = connected_.get_future();
    if (f.wait_for(5s) != std::future_status::ready)
      throw std::runtime_error("Paho C connect timed out");
    auto seen = f.get();
    if (seen.failed)
      throw std::runtime_error("Paho C connect refused: " + std::to_string(seen.reason));
    is_connected_ = true;
  }
  ~PahoCPublisher() {
    try {
      wait_connected();
    } catch (const std::exception&) {
    }
    MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer5;
    d.timeout = 1000;
    if (MQTTAsync_isConnected(h_)) MQTTAsync_disconnect(h_, &d);
    for (int i = 0; i < 100 && MQTTAsync_isConnected(h_); ++i) std::this_thread::sleep_for(10ms);
    MQTTAsync_destroy(&h_);
  }
  PahoCPublisher(const PahoCPublisher&) = delete;
  PahoCPublisher& operator=(const PahoCPublisher&) = delete;

  // Publishes (content type `content_type` when not empty) and returns the ack as seen.
  AckSeen publish(const std::string& topic, const std::string& payload, int qos,
                  const std::string& content_type = kCeJson) {
    wait_connected();
    MQTTProperties props = MQTTProperties_initializer;
    if (!content_type.empty()) {
      MQTTProperty p;
      p.identifier = MQTTPROPERTY_CODE_CONTENT_TYPE;
      p.value.data.data = const_cast<char*>(content_type.data());
      p.value.data.len = int(content_type.size());
      MQTTProperties_add(&props, &p);
    }
    MQTTAsync_message m = MQTTAsync_message_initializer;
    m.payload = const_cast<char*>(payload.data());
    m.payloadlen = int(payload.size());
    m.qos = qos;
    m.properties = props;
    std::promise<AckSeen> done;
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    ro.context = &done;
    ro.onSuccess5 = [](void* ctx, MQTTAsync_successData5* r) {
      static_cast<std::promise<AckSeen>*>(ctx)->set_value(
          {false, r ? r->reasonCode : 0, r ? reason_string_of(&r->properties) : ""});
    };
    ro.onFailure5 = [](void* ctx, MQTTAsync_failureData5* r) {
      static_cast<std::promise<AckSeen>*>(ctx)->set_value(
          {true, r ? r->reasonCode : -1, r ? reason_string_of(&r->properties) : ""});
    };
    const int rc = MQTTAsync_sendMessage(h_, topic.c_str(), &m, &ro);
    MQTTProperties_free(&props);
    if (rc != MQTTASYNC_SUCCESS)
      throw std::runtime_error("MQTTAsync_sendMessage failed: " + std::to_string(rc));
    auto f = done.get_future();
    if (f.wait_for(5s) != std::future_status::ready)
      throw std::runtime_error("Paho C publish not acknowledged");
    return f.get();
  }

 private:
  MQTTAsync h_ = nullptr;
  std::promise<AckSeen> connected_;
  bool is_connected_ = false;
};

// ---- Prometheus text ----------------------------------------------------------------------------

// parse_prometheus, histogram_problems, joined: prometheus.hpp (shared with other tests).

// ---- fixture ------------------------------------------------------------------------------------

class Enforcement : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    SKIP_UNDER_MOSQUITTO("contract enforcement is Accord's");
  }

  // A broker with the given [[policies]] (and settings), and `schemas` registered
  // (subject -> schema text) before any client connects.
  void start(const std::string& toml,
             std::vector<std::pair<std::string, std::string>> settings = {},
             const std::vector<std::pair<std::string, std::string>>& schemas = {
                 {kThermoType, kThermoSchema}}) {
    BrokerOptions o;
    o.settings = std::move(settings);
    o.config_toml = toml;
    start_broker(std::move(o));
    for (const auto& [subject, schema] : schemas) register_schema(subject, schema);
  }

  HttpClient http() { return HttpClient("127.0.0.1", broker().admin_port(), 10s); }

  HttpResponse post_schema(const std::string& subject, const std::string& schema) {
    return http().post("/subjects/" + url_segment(subject) + "/versions",
                       json::object{{"schemaType", "JSON"}, {"schema", schema}});
  }
  int register_schema(const std::string& subject, const std::string& schema) {
    auto r = post_schema(subject, schema);
    if (r.status != 200) throw std::runtime_error("registering " + subject + ": " + r.describe());
    return int(r.json().at("id").to_number<std::int64_t>());
  }

  Scrape scrape() {
    auto r = http().get("/metrics");
    if (r.status != 200) throw std::runtime_error("GET /metrics: " + r.describe());
    return parse_prometheus(r.body);
  }

  // A Paho C++ client, not connected yet: see connect_together().
  std::unique_ptr<PahoClient> make(const std::string& id, int version = 5) {
    return std::make_unique<PahoClient>(uri(), id, version);
  }
  // Connects the clients all at once. Paho C 1.3.12 (under Paho C++ 1.2) makes a connect that
  // starts while another client of the process is connected wait ~2 s for its receive loop
  // (eclipse-paho/paho.mqtt.c#1430); connects started together complete at once.
  static void connect_together(std::initializer_list<PahoClient*> clients) {
    std::vector<mqtt::token_ptr> tokens;
    for (PahoClient* c : clients) {
      mqtt::connect_options_builder b;
      b.mqtt_version(c->version() == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1)
          .connect_timeout(5s)
          .keep_alive_interval(30s);
      if (c->version() == 5)
        b.clean_start(true);
      else
        b.clean_session(true);
      tokens.push_back(c->client().connect(b.finalize()));
    }
    for (auto& t : tokens)
      if (!t->wait_for(5s)) throw std::runtime_error("paho connect timed out");
  }
  static void subscribe(PahoClient& c, const std::string& filter, int qos) {
    auto codes = c.subscribe(filter, qos);
    if (codes != std::vector<int>{qos})
      throw std::runtime_error("subscribe to " + filter + " refused");
  }
};

// Confluent error shape with the expected status and code.
::testing::AssertionResult IsError(const HttpResponse& r, unsigned status, std::int64_t code) {
  if (r.status != status || r.error_code() != code)
    return ::testing::AssertionFailure()
           << "expected HTTP " << status << "/" << code << ", got " << r.describe();
  try {
    auto v = r.json();
    auto* m = v.as_object().if_contains("message");
    if (!m || !m->is_string() || m->as_string().empty())
      return ::testing::AssertionFailure() << "no message: " << r.describe();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << e.what();
  }
  return ::testing::AssertionSuccess();
}

// ---- 1. rejection with reason code and reason string --------------------------------------------

TEST_F(Enforcement, InvalidEventRejectedWithReasonCodeAndString) {
  start(kThermostatPolicy);
  auto sub = make("t1-sub"), pub = make("t1-pub"), late = make("t1-late"), after = make("t1-after");
  PahoCPublisher cpub(uri(), "t1-cpub");
  // All connected now, subscribed when needed (see connect_together()).
  connect_together({sub.get(), pub.get(), late.get(), after.get()});
  subscribe(*sub, "fleet/#", 2);

  for (int qos : {1, 2}) {
    SCOPED_TRACE("QoS " + std::to_string(qos));
    // Paho C++: the delivery token's reason code.
    EXPECT_EQ(publish_rc(*pub, "fleet/unit-7/reading", kTooHot, qos, ce_props()),
              kPayloadFormatInvalid);
    // The same event in binary content mode.
    mqtt::properties binary{{mqtt::property::CONTENT_TYPE, "application/json"},
                            {mqtt::property::USER_PROPERTY, "specversion", "1.0"},
                            {mqtt::property::USER_PROPERTY, "id", "bin-hot"},
                            {mqtt::property::USER_PROPERTY, "source", "/fleet/unit-7"},
                            {mqtt::property::USER_PROPERTY, "type", kThermoType}};
    EXPECT_EQ(publish_rc(*pub, "fleet/unit-7/reading", R"({"temperature":99})", qos, binary),
              kPayloadFormatInvalid);
  }
  // The connection survives a rejection and valid events still pass (positive control).
  EXPECT_TRUE(pub->client().is_connected());
  EXPECT_EQ(publish_rc(*pub, "fleet/unit-7/reading", valid_reading(), 1, ce_props()), 0);
  auto m = sub->next();
  ASSERT_TRUE(m) << "the valid event was not delivered";
  EXPECT_EQ(m->get_payload_str(), valid_reading());
  EXPECT_TRUE(sub->none_for(400ms)) << "a rejected event was delivered";

  // Paho C: the reason string on PUBACK and PUBREC.
  for (int qos : {1, 2}) {
    SCOPED_TRACE("Paho C, QoS " + std::to_string(qos));
    AckSeen ack = cpub.publish("fleet/unit-9/reading", kTooHot, qos);
    EXPECT_TRUE(ack.failed);
    EXPECT_EQ(ack.reason, kPayloadFormatInvalid);
    EXPECT_EQ(ack.reason_string, kTooHotReason);
    EXPECT_NE(ack.reason_string.find("data/temperature"), std::string::npos) << ack.reason_string;
    EXPECT_NE(ack.reason_string.find("maximum"), std::string::npos) << ack.reason_string;
  }
  // A missing required field names the field and the rule too.
  AckSeen missing = cpub.publish("fleet/unit-9/reading", structured(R"({"note":"no reading"})"), 1);
  EXPECT_EQ(missing.reason, kPayloadFormatInvalid);
  EXPECT_NE(missing.reason_string.find("temperature"), std::string::npos) << missing.reason_string;
  EXPECT_NE(missing.reason_string.find("required"), std::string::npos) << missing.reason_string;
  // Not a CloudEvent at all (no content type, no specversion property).
  AckSeen plain = cpub.publish("fleet/unit-9/reading", "21.5", 1, "");
  EXPECT_EQ(plain.reason, kPayloadFormatInvalid);
  EXPECT_NE(plain.reason_string.find("not a CloudEvent"), std::string::npos) << plain.reason_string;
  EXPECT_TRUE(sub->none_for(300ms)) << "a rejected event was delivered";

  // Deleting a retained message (retain, empty payload) is never checked; a retained invalid
  // event is refused like any other and leaves the valid retained one in place.
  EXPECT_EQ(publish_rc(*pub, "fleet/unit-1/reading", valid_reading(20), 1, ce_props(), true), 0);
  ASSERT_TRUE(sub->next());
  EXPECT_EQ(publish_rc(*pub, "fleet/unit-1/reading", kTooHot, 1, ce_props(), true),
            kPayloadFormatInvalid);
  {
    subscribe(*late, "fleet/unit-1/reading", 1);
    auto kept = late->next();
    ASSERT_TRUE(kept) << "the valid retained event is gone";
    EXPECT_EQ(kept->get_payload_str(), valid_reading(20));
    EXPECT_TRUE(kept->is_retained());
  }
  EXPECT_EQ(publish_rc(*pub, "fleet/unit-1/reading", "", 1, {}, true), 0)
      << "a retained delete was checked";
  auto deleted = sub->next();
  ASSERT_TRUE(deleted) << "the retained delete was not delivered";
  EXPECT_EQ(deleted->get_payload_str(), "");
  subscribe(*after, "fleet/unit-1/reading", 1);
  EXPECT_TRUE(after->none_for(300ms)) << "the retained message survived its delete";
}

// ---- 2. dead letters, 3.1.1 rejection without an ack --------------------------------------------

TEST_F(Enforcement, DeadLetterFromMqtt311PublisherCarriesProvenance) {
  start(R"(
[[policies]]
name = "thermo-dl"
topic_filter = "fleet/+/reading"
validate_data = true
action = "dead-letter"
dead_letter_topic = "dlq/thermostat"
)");
  const int schema_id =
      int(http().get("/subjects/" + kThermoType + "/versions/1").json().at("id").to_number<int>());
  auto original = make("t2-orig"), dlq = make("t2-dlq"), pub = make("t2-pub-311", 4);
  connect_together({original.get(), dlq.get(), pub.get()});
  subscribe(*original, "fleet/#", 1);
  subscribe(*dlq, "dlq/#", 1);

  pub->publish("fleet/unit-3/reading", kTooHot, 1);  // returns after the PUBACK
  auto m = dlq->next();
  ASSERT_TRUE(m) << "nothing on the dead-letter topic";
  EXPECT_EQ(m->get_topic(), "dlq/thermostat");
  EXPECT_EQ(m->get_payload_str(), kTooHot);
  EXPECT_EQ(m->get_qos(), 1);
  EXPECT_FALSE(m->is_retained());
  using UP = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(user_properties(m->get_properties()),
            (UP{{"accord-original-topic", "fleet/unit-3/reading"},
                {"accord-client-id", "t2-pub-311"},
                {"accord-policy", "thermo-dl"},
                {"accord-schema", kThermoType + "/1/" + std::to_string(schema_id)},
                {"accord-error", kTooHotReason}}));
  EXPECT_TRUE(original->none_for(400ms)) << "the invalid event reached the original topic";
  EXPECT_TRUE(dlq->none_for(1ms));

  // A valid event from the same client goes to the original topic, not the dead letters.
  pub->publish("fleet/unit-3/reading", valid_reading(30), 1);
  auto ok = original->next();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->get_payload_str(), valid_reading(30));
  EXPECT_TRUE(dlq->none_for(300ms));
}

TEST_F(Enforcement, Mqtt311RejectDropAcksAndDeliversNothing) {
  start(R"(
[[policies]]
name = "strict-drop"
topic_filter = "fleet/+/reading"
validate_data = true
action = "reject"
reject_without_ack = "drop"
)");
  auto sub = make("t2d-sub"), pub = make("t2d-pub", 4), pub5 = make("t2d-pub5");
  connect_together({sub.get(), pub.get(), pub5.get()});
  subscribe(*sub, "fleet/#", 1);
  for (int qos : {0, 1, 2}) pub->publish("fleet/u/reading", kTooHot, qos);  // QoS 1/2: acked
  EXPECT_TRUE(pub->client().is_connected());
  // MQTT 5: QoS 0 has no ack either (dropped, connection kept); QoS 1 still gets 0x99.
  pub5->publish("fleet/u/reading", kTooHot, 0, false, ce_props());
  EXPECT_EQ(publish_rc(*pub5, "fleet/u/reading", kTooHot, 1, ce_props()), kPayloadFormatInvalid);
  EXPECT_TRUE(pub5->client().is_connected());
  EXPECT_TRUE(sub->none_for(400ms)) << "a rejected event was delivered";
  pub->publish("fleet/u/reading", valid_reading(), 1);
  auto m = sub->next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_payload_str(), valid_reading());
  EXPECT_TRUE(pub->client().is_connected());
}

TEST_F(Enforcement, Mqtt311RejectDisconnectClosesTheConnection) {
  start(R"(
[[policies]]
name = "strict-close"
topic_filter = "fleet/+/reading"
validate_data = true
action = "reject"
reject_without_ack = "disconnect"
)");
  auto sub = make("t2x-sub"), pub = make("t2x-pub", 4), pub2 = make("t2x-pub2", 4),
       pub5 = make("t2x-pub5");
  std::promise<int> disconnect_reason;
  pub5->client().set_disconnected_handler([&](const mqtt::properties&, mqtt::ReasonCode rc) {
    try {
      disconnect_reason.set_value(int(rc));
    } catch (const std::future_error&) {
    }
  });
  connect_together({sub.get(), pub.get(), pub2.get(), pub5.get()});
  subscribe(*sub, "fleet/#", 1);
  // A valid event first: the policy lets it through and the connection stays.
  pub->publish("fleet/u/reading", valid_reading(), 1);
  ASSERT_TRUE(sub->next());
  pub->publish("fleet/u/reading", kTooHot, 0);
  EXPECT_TRUE(eventually([&] { return !pub->client().is_connected(); }, 2s))
      << "the connection stayed open after an invalid 3.1.1 publish";
  EXPECT_TRUE(sub->none_for(300ms)) << "the invalid event was delivered";
  // The same at QoS 1 on another connection: no PUBACK, the connection closes.
  auto tok = pub2->client().publish(mqtt::make_message("fleet/u/reading", kTooHot, 1, false));
  EXPECT_TRUE(eventually([&] { return !pub2->client().is_connected(); }, 2s));
  bool acked = false;
  try {
    acked = tok->wait_for(100ms);
  } catch (const mqtt::exception&) {
  }
  EXPECT_FALSE(acked) << "a rejected 3.1.1 QoS 1 publish was acknowledged before the close";
  // MQTT 5 at QoS 0 (no ack to carry the reason): DISCONNECT 0x99, then the close.
  pub5->publish("fleet/u/reading", kTooHot, 0, false, ce_props());
  auto reason = disconnect_reason.get_future();
  ASSERT_EQ(reason.wait_for(2s), std::future_status::ready) << "no DISCONNECT from the server";
  EXPECT_EQ(reason.get(), kPayloadFormatInvalid);
  EXPECT_TRUE(eventually([&] { return !pub5->client().is_connected(); }, 2s));
  EXPECT_TRUE(sub->none_for(200ms));
}

// ---- 3. valid events untouched ------------------------------------------------------------------

TEST_F(Enforcement, ValidEventsDeliveredByteIdentical) {
  start(kThermostatPolicy);
  auto sub = make("t3-sub"), pub = make("t3-pub"), sub311 = make("t3-sub311", 4),
       pub311 = make("t3-pub311", 4);
  connect_together({sub.get(), pub.get(), sub311.get(), pub311.get()});
  subscribe(*sub, "fleet/#", 1);
  subscribe(*sub311, "fleet/unit-3/reading", 2);
  // "\x01" "corr": split, or the hex escape would swallow the 'c' (and the length overrun).
  const std::string correlation("\x00\xff\x01" "corr\xc3", 8);
  using UP = std::vector<std::pair<std::string, std::string>>;

  auto check_props = [&](const mqtt::properties& got, const std::string& content_type,
                         const UP& ups) {
    EXPECT_EQ(mqtt::get<std::string>(got, mqtt::property::CONTENT_TYPE), content_type);
    EXPECT_EQ(user_properties(got), ups);
    ASSERT_EQ(got.count(mqtt::property::CORRELATION_DATA), 1u);
    EXPECT_EQ(mqtt::get<std::string>(got, mqtt::property::CORRELATION_DATA), correlation);
    ASSERT_EQ(got.count(mqtt::property::RESPONSE_TOPIC), 1u);
    EXPECT_EQ(mqtt::get<std::string>(got, mqtt::property::RESPONSE_TOPIC), "replies/größe");
    ASSERT_EQ(got.count(mqtt::property::PAYLOAD_FORMAT_INDICATOR), 1u);
    EXPECT_EQ(mqtt::get<uint8_t>(got, mqtt::property::PAYLOAD_FORMAT_INDICATOR), 1);
    ASSERT_EQ(got.count(mqtt::property::MESSAGE_EXPIRY_INTERVAL), 1u);
    const auto expiry = mqtt::get<uint32_t>(got, mqtt::property::MESSAGE_EXPIRY_INTERVAL);
    EXPECT_GE(expiry, 295u);
    EXPECT_LE(expiry, 300u);
  };

  // Structured mode, non-ASCII in attributes and data, user properties repeated and unicode.
  {
    const std::string payload = structured(
        R"({"temperature":21.5,"note":"température ✓ 日本 \u00e9"})", kThermoType, "évt-ü-1",
        R"(,"subject":"salon/capteur-ß","time":"2026-11-23T19:00:00.5+01:00")");
    const UP ups{
        {"trace", "a"}, {"trace", "b"}, {"ключ", "значение"}, {"empty", ""}, {"Z-last", "1"}};
    mqtt::properties props{
        {mqtt::property::CONTENT_TYPE, "application/cloudevents+json; charset=utf-8"},
        {mqtt::property::PAYLOAD_FORMAT_INDICATOR, 1},
        {mqtt::property::MESSAGE_EXPIRY_INTERVAL, 300},
        {mqtt::property::RESPONSE_TOPIC, "replies/größe"},
        {mqtt::property::CORRELATION_DATA, correlation}};
    for (const auto& [k, v] : ups) props.add({mqtt::property::USER_PROPERTY, k, v});
    EXPECT_EQ(publish_rc(*pub, "fleet/unit-1/reading", payload, 1, props), 0);
    auto m = sub->next();
    ASSERT_TRUE(m) << "structured event not delivered";
    EXPECT_EQ(m->get_topic(), "fleet/unit-1/reading");
    EXPECT_EQ(m->get_payload_str(), payload);
    check_props(m->get_properties(), "application/cloudevents+json; charset=utf-8", ups);
  }
  // Binary mode: attributes as user properties (plus an extension), data as the payload.
  {
    const std::string data = "{ \"temperature\" : 40,\n  \"note\": \"crème brûlée — ok\" }";
    const UP ups{{"specversion", "1.0"}, {"id", "bin-ü-2"},  {"source", "/fleet/unit%C3%A9-2"},
                 {"type", kThermoType},  {"tenant", "acmé"}, {"time", "2026-11-23T18:00:00Z"}};
    mqtt::properties props{{mqtt::property::CONTENT_TYPE, "application/json"},
                           {mqtt::property::PAYLOAD_FORMAT_INDICATOR, 1},
                           {mqtt::property::MESSAGE_EXPIRY_INTERVAL, 300},
                           {mqtt::property::RESPONSE_TOPIC, "replies/größe"},
                           {mqtt::property::CORRELATION_DATA, correlation}};
    for (const auto& [k, v] : ups) props.add({mqtt::property::USER_PROPERTY, k, v});
    EXPECT_EQ(publish_rc(*pub, "fleet/unit-2/reading", data, 1, props), 0);
    auto m = sub->next();
    ASSERT_TRUE(m) << "binary event not delivered";
    EXPECT_EQ(m->get_topic(), "fleet/unit-2/reading");
    EXPECT_EQ(m->get_payload_str(), data);
    check_props(m->get_properties(), "application/json", ups);
  }
  // MQTT 3.1.1 structured event at QoS 2 to a 3.1.1 subscriber.
  {
    const std::string payload =
        structured(R"({"temperature":-3.25,"note":"❄ frío"})", kThermoType, "311-é");
    pub311->publish("fleet/unit-3/reading", payload, 2);
    auto m = sub311->next();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->get_payload_str(), payload);
    EXPECT_EQ(m->get_qos(), 2);
    auto m5 = sub->next();
    ASSERT_TRUE(m5);
    EXPECT_EQ(m5->get_payload_str(), payload);
  }
  EXPECT_TRUE(sub->none_for(300ms));
}

// ---- 4. schema evolution ------------------------------------------------------------------------

TEST_F(Enforcement, SchemaEvolutionAndDataschemaPins) {
  const std::string type = "com.example.meter.reading";
  start(R"(
[[policies]]
name = "meters"
topic_filter = "meters/#"
allowed_types = ["com.example.meter.*"]
validate_data = true
)",
        {}, {});
  // v1: a closed model, kwh required.
  const std::string v1 =
      R"({"type":"object","properties":{"kwh":{"type":"number"}},"required":["kwh"],"additionalProperties":false})";
  const int id1 = register_schema(type, v1);
  PahoCPublisher pub(uri(), "t4-pub");
  auto sub = make("t4-sub");
  connect_together({sub.get()});
  subscribe(*sub, "meters/#", 1);
  auto event = [&](const std::string& data, const std::string& dataschema = "") {
    return structured(data, type, "m-1",
                      dataschema.empty() ? "" : R"(,"dataschema":")" + dataschema + "\"");
  };
  auto accepted = [&](const std::string& payload) {
    AckSeen a = pub.publish("meters/house-1", payload, 1);
    if (a.reason != 0)
      return ::testing::AssertionFailure() << "PUBACK " << a.reason << " " << a.reason_string;
    auto m = sub->next();
    if (!m) return ::testing::AssertionFailure() << "accepted but not delivered";
    if (m->get_payload_str() != payload) return ::testing::AssertionFailure() << "payload changed";
    return ::testing::AssertionSuccess();
  };

  EXPECT_TRUE(accepted(event(R"({"kwh":1.5})")));
  EXPECT_TRUE(accepted(event(R"({"kwh":2})")));

  // v2 with a new required property: old events would fail it -> refused under BACKWARD.
  const std::string v2_bad =
      R"({"type":"object","properties":{"kwh":{"type":"number"},"unit":{"type":"string"}},"required":["kwh","unit"],"additionalProperties":false})";
  auto refused = post_schema(type, v2_bad);
  EXPECT_TRUE(IsError(refused, 409, 409)) << refused.describe();
  // v2 with a new optional property: compatible.
  const std::string v2 =
      R"({"type":"object","properties":{"kwh":{"type":"number"},"unit":{"type":"string"}},"required":["kwh"],"additionalProperties":false})";
  auto ok = post_schema(type, v2);
  ASSERT_EQ(ok.status, 200u) << ok.describe();
  const int id2 = int(ok.json().at("id").to_number<std::int64_t>());
  EXPECT_NE(id2, id1);
  // Latest (v2) now accepts the new field, which v1 (closed) refuses.
  EXPECT_TRUE(accepted(event(R"({"kwh":3,"unit":"kWh"})")));
  AckSeen v1_pinned_new_field =
      pub.publish("meters/house-1", event(R"({"kwh":3,"unit":"kWh"})", "accord:" + type + ":1"), 1);
  EXPECT_EQ(v1_pinned_new_field.reason, kPayloadFormatInvalid) << "the pin to v1 was not honoured";
  EXPECT_NE(v1_pinned_new_field.reason_string.find("unit"), std::string::npos)
      << v1_pinned_new_field.reason_string;

  // v3 makes `unit` required (compatibility NONE for this subject): an event without it is
  // valid only under v1 and v2.
  auto cfg = http().put("/config/" + url_segment(type), json::object{{"compatibility", "NONE"}});
  ASSERT_EQ(cfg.status, 200u) << cfg.describe();
  auto v3 = post_schema(type, v2_bad);
  ASSERT_EQ(v3.status, 200u) << v3.describe();
  const std::string old_data = R"({"kwh":4})";
  // Pinned to v1: accepted, in both pin spellings (and by id).
  EXPECT_TRUE(accepted(event(old_data, "accord:" + type + ":1")));
  EXPECT_TRUE(
      accepted(event(old_data, "http://registry.example:8081/subjects/" + type + "/versions/1")));
  EXPECT_TRUE(
      accepted(event(old_data, "https://registry.example/schemas/ids/" + std::to_string(id1))));
  // Unpinned: checked against the latest (v3) -> refused, naming the missing property.
  AckSeen unpinned = pub.publish("meters/house-1", event(old_data), 1);
  EXPECT_EQ(unpinned.reason, kPayloadFormatInvalid);
  EXPECT_NE(unpinned.reason_string.find("unit"), std::string::npos) << unpinned.reason_string;
  EXPECT_NE(unpinned.reason_string.find("required"), std::string::npos) << unpinned.reason_string;
  // Pinned to a version that does not exist: refused, naming dataschema.
  AckSeen missing = pub.publish("meters/house-1", event(old_data, "accord:" + type + ":9"), 1);
  EXPECT_EQ(missing.reason, kPayloadFormatInvalid);
  EXPECT_NE(missing.reason_string.find("dataschema"), std::string::npos) << missing.reason_string;
  AckSeen missing_url =
      pub.publish("meters/house-1",
                  event(old_data, "http://registry.example/subjects/" + type + "/versions/7"), 1);
  EXPECT_EQ(missing_url.reason, kPayloadFormatInvalid);
  EXPECT_NE(missing_url.reason_string.find("dataschema"), std::string::npos)
      << missing_url.reason_string;
  // A type outside allowed_types is refused before any schema lookup.
  AckSeen wrong_type = pub.publish("meters/house-1", structured(old_data, "com.other.reading"), 1);
  EXPECT_EQ(wrong_type.reason, kPayloadFormatInvalid);
  EXPECT_NE(wrong_type.reason_string.find("com.other.reading"), std::string::npos)
      << wrong_type.reason_string;
  EXPECT_TRUE(sub->none_for(300ms)) << "a refused event was delivered";
}

// ---- 5. runtime policy changes ------------------------------------------------------------------

TEST_F(Enforcement, RuntimePolicyChangesPersistAndReset) {
  start(kThermostatPolicy);  // default store: durability sync in the broker's own directory
  auto sub = make("t5-sub"), pub = make("t5-pub");
  connect_together({sub.get(), pub.get()});
  subscribe(*sub, "fleet/#", 1);
  const std::string topic = "fleet/unit-5/reading";

  ASSERT_EQ(publish_rc(*pub, topic, kTooHot, 1, ce_props()), kPayloadFormatInvalid);
  auto listed = http().get("/accord/v1/policies");
  ASSERT_EQ(listed.status, 200u) << listed.describe();
  EXPECT_EQ(listed.json().at("source"), "config");
  ASSERT_EQ(listed.json().at("policies").as_array().size(), 1u);

  // Dry run: the invalid event gets through and is counted.
  auto before = scrape().value("accord_enforcement_actions_total",
                               {{"policy", "thermostat"}, {"action", "dry_run"}});
  auto got = http().get("/accord/v1/policies/thermostat");
  ASSERT_EQ(got.status, 200u) << got.describe();
  json::object policy = got.json().as_object();
  EXPECT_EQ(policy.at("dry_run"), false);
  policy["dry_run"] = true;
  auto put = http().put("/accord/v1/policies/thermostat", policy);
  ASSERT_EQ(put.status, 200u) << put.describe();
  EXPECT_EQ(put.json().at("dry_run"), true);
  EXPECT_EQ(publish_rc(*pub, topic, kTooHot, 1, ce_props()), 0) << "dry run still rejects";
  auto m = sub->next();
  ASSERT_TRUE(m) << "dry run: the event was not delivered";
  EXPECT_EQ(m->get_payload_str(), kTooHot);
  auto after = scrape().value("accord_enforcement_actions_total",
                              {{"policy", "thermostat"}, {"action", "dry_run"}});
  EXPECT_EQ(after, before + 1);
  EXPECT_EQ(scrape().value("accord_enforcement_actions_total",
                           {{"policy", "thermostat"}, {"action", "rejected"}}),
            1);

  // Deleted: the topic is ungoverned (not even a CloudEvent is needed).
  auto del = http().del("/accord/v1/policies/thermostat");
  ASSERT_EQ(del.status, 200u) << del.describe();
  EXPECT_TRUE(IsError(http().get("/accord/v1/policies/thermostat"), 404, 40420));
  EXPECT_TRUE(IsError(http().del("/accord/v1/policies/thermostat"), 404, 40420));
  EXPECT_EQ(publish_rc(*pub, topic, "plain 21.5", 1), 0);
  m = sub->next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_payload_str(), "plain 21.5");

  // A whole new set through the API: drop invalid events on the topic.
  json::object api_policy{{"name", "api-drop"},
                          {"topic_filter", "fleet/#"},
                          {"validate_data", true},
                          {"action", "drop"}};
  auto set = http().put("/accord/v1/policies", json::object{{"policies", json::array{api_policy}}});
  ASSERT_EQ(set.status, 200u) << set.describe();
  EXPECT_EQ(set.json().at("source"), "admin-api");
  auto expect_api_set = [&](const std::string& phase) {
    SCOPED_TRACE(phase);
    auto l = http().get("/accord/v1/policies");
    ASSERT_EQ(l.status, 200u) << l.describe();
    EXPECT_EQ(l.json().at("source"), "admin-api");
    const json::value body = l.json();
    const auto& ps = body.at("policies").as_array();
    ASSERT_EQ(ps.size(), 1u) << l.body;
    EXPECT_EQ(ps[0].at("name"), "api-drop");
    EXPECT_EQ(ps[0].at("action"), "drop");
    // Enforced: acked, delivered to nobody; valid events pass.
    EXPECT_EQ(publish_rc(*pub, topic, kTooHot, 1, ce_props()), 0);
    EXPECT_TRUE(sub->none_for(400ms)) << "dropped event delivered";
    EXPECT_EQ(publish_rc(*pub, topic, valid_reading(), 1, ce_props()), 0);
    auto v = sub->next();
    ASSERT_TRUE(v);
    EXPECT_EQ(v->get_payload_str(), valid_reading());
  };
  expect_api_set("after PUT");

  // Bad bodies change nothing.
  json::object bad_action = api_policy;
  bad_action["action"] = "explode";
  EXPECT_TRUE(IsError(
      http().put("/accord/v1/policies", json::object{{"policies", json::array{bad_action}}}), 422,
      42220));
  json::object dl_without_topic = api_policy;
  dl_without_topic["action"] = "dead-letter";
  EXPECT_TRUE(IsError(
      http().put("/accord/v1/policies", json::object{{"policies", json::array{dl_without_topic}}}),
      422, 42220));
  json::object unknown_key = api_policy;
  unknown_key["colour"] = "red";
  EXPECT_TRUE(IsError(
      http().put("/accord/v1/policies", json::object{{"policies", json::array{unknown_key}}}), 422,
      42220));
  EXPECT_TRUE(IsError(http().put("/accord/v1/policies",
                                 json::object{{"policies", json::array{api_policy, api_policy}}}),
                      422, 42220));
  EXPECT_TRUE(IsError(
      http().put("/accord/v1/policies/x", json::object{{"name", "y"}, {"topic_filter", "a/#"}}),
      422, 42220));
  HttpRequest bad_json;
  bad_json.method = "PUT";
  bad_json.target = "/accord/v1/policies";
  bad_json.body = R"({"policies": [)";
  bad_json.content_type = "application/json";
  EXPECT_TRUE(IsError(http().request(bad_json), 400, 40002));
  bad_json.target = "/accord/v1/policies/api-drop";
  EXPECT_TRUE(IsError(http().request(bad_json), 400, 40002));
  expect_api_set("after refused changes");

  // A restart keeps the API's set.
  sub.reset();
  pub.reset();
  broker().restart();
  sub = make("t5-sub");
  pub = make("t5-pub");
  connect_together({sub.get(), pub.get()});
  subscribe(*sub, "fleet/#", 1);
  expect_api_set("after restart");

  // Reset: the file's set again.
  auto reset = http().post("/accord/v1/policies/reset", std::string());
  ASSERT_EQ(reset.status, 200u) << reset.describe();
  const json::value reset_body = reset.json();
  EXPECT_EQ(reset_body.at("source"), "config");
  const auto& ps = reset_body.at("policies").as_array();
  ASSERT_EQ(ps.size(), 1u) << reset.body;
  EXPECT_EQ(ps[0].at("name"), "thermostat");
  EXPECT_EQ(ps[0].at("dry_run"), false);
  EXPECT_EQ(publish_rc(*pub, topic, kTooHot, 1, ce_props()), kPayloadFormatInvalid);
  EXPECT_TRUE(sub->none_for(300ms));

  // ... and a restart after the reset stays on the file's set.
  sub.reset();
  pub.reset();
  broker().restart();
  auto l = http().get("/accord/v1/policies");
  ASSERT_EQ(l.status, 200u);
  EXPECT_EQ(l.json().at("source"), "config");
  auto pub2 = make("t5-pub2");
  connect_together({pub2.get()});
  EXPECT_EQ(publish_rc(*pub2, topic, kTooHot, 1, ce_props()), kPayloadFormatInvalid);
}

// ---- 6. /metrics --------------------------------------------------------------------------------

TEST_F(Enforcement, PrometheusMetricsWellFormedAndCounting) {
  start(kThermostatPolicy);
  const std::map<std::string, std::string> series{{"policy", "thermostat"},
                                                  {"subject", kThermoType}};
  auto failed = series;
  failed["reason"] = "data_invalid";

  Scrape s0 = scrape();
  EXPECT_TRUE(s0.problems.empty()) << joined(s0.problems);
  const double evaluated0 = s0.value("accord_enforcement_evaluated_total", series);
  const double accepted0 = s0.value("accord_enforcement_accepted_total", series);
  const double failed0 = s0.value("accord_enforcement_failed_total", failed);
  const double count0 = s0.value("accord_enforcement_validation_seconds_count", series);

  auto sub = make("t6-sub"), pub = make("t6-pub");
  connect_together({sub.get(), pub.get()});
  subscribe(*sub, "fleet/#", 1);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(publish_rc(*pub, "fleet/a/reading", valid_reading(10 + i), 1, ce_props()), 0);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(publish_rc(*pub, "fleet/a/reading", kTooHot, 1, ce_props()), kPayloadFormatInvalid);
  // Not a CloudEvent: counted without a subject.
  EXPECT_EQ(publish_rc(*pub, "fleet/a/reading", "plain", 1), kPayloadFormatInvalid);
  // Ungoverned traffic is not counted.
  EXPECT_EQ(publish_rc(*pub, "other/topic", "plain", 1), 0);

  auto r = http().get("/metrics");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-type").rfind("text/plain", 0), 0u) << r.header("content-type");
  Scrape s = parse_prometheus(r.body);
  EXPECT_TRUE(s.problems.empty()) << joined(s.problems);
  EXPECT_TRUE(histogram_problems(s).empty()) << joined(histogram_problems(s));
  for (const char* family :
       {"accord_enforcement_evaluated_total", "accord_enforcement_accepted_total",
        "accord_enforcement_failed_total", "accord_enforcement_actions_total"}) {
    EXPECT_EQ(s.types[family], "counter") << family;
    EXPECT_TRUE(s.helps.count(family)) << family;
  }
  EXPECT_EQ(s.types["accord_enforcement_validation_seconds"], "histogram");
  EXPECT_TRUE(s.helps.count("accord_enforcement_validation_seconds"));

  EXPECT_EQ(s.value("accord_enforcement_evaluated_total", series) - evaluated0, 5);
  EXPECT_EQ(s.value("accord_enforcement_accepted_total", series) - accepted0, 3);
  EXPECT_EQ(s.value("accord_enforcement_failed_total", failed) - failed0, 2);
  EXPECT_EQ(s.value("accord_enforcement_validation_seconds_count", series) - count0, 5);
  EXPECT_GT(s.value("accord_enforcement_validation_seconds_sum", series), 0);
  EXPECT_EQ(s.count("accord_enforcement_validation_seconds_bucket", series), 14u) << r.body;
  const std::map<std::string, std::string> none{{"policy", "thermostat"}, {"subject", "(none)"}};
  EXPECT_EQ(s.value("accord_enforcement_evaluated_total", none), 1);
  EXPECT_EQ(
      s.value("accord_enforcement_failed_total",
              {{"policy", "thermostat"}, {"subject", "(none)"}, {"reason", "not_cloudevent"}}),
      1);
  EXPECT_EQ(s.value("accord_enforcement_actions_total",
                    {{"policy", "thermostat"}, {"action", "rejected"}}),
            3);
  EXPECT_EQ(s.value("accord_enforcement_actions_total",
                    {{"policy", "thermostat"}, {"action", "dry_run"}}),
            0);
  // Only the reasons in the spec appear.
  static const std::set<std::string> reasons = {
      "payload_too_large", "not_cloudevent",   "content_mode", "attribute",
      "type_not_allowed",  "schema_not_found", "data_invalid"};
  static const std::set<std::string> actions = {"rejected", "dead_lettered", "dropped",
                                                "logged_only", "dry_run"};
  for (const auto& smp : s.samples) {
    if (smp.name == "accord_enforcement_failed_total") {
      EXPECT_TRUE(reasons.count(smp.labels.at("reason"))) << smp.labels.at("reason");
    }
    if (smp.name == "accord_enforcement_actions_total") {
      EXPECT_TRUE(actions.count(smp.labels.at("action"))) << smp.labels.at("action");
    }
  }
  // No series for ungoverned topics.
  EXPECT_EQ(s.count("accord_enforcement_evaluated_total", {}), 2u) << r.body;
}

// ---- 7. $SYS
// --------------------------------------------------------------------------------------

TEST_F(Enforcement, SysTopicReportsPolicyCounts) {
  start(kThermostatPolicy, {{"server.sys_interval", "1"}});
  auto pub = make("t7-pub"), sys = make("t7-sys"), brk = make("t7-brk");
  connect_together({pub.get(), sys.get(), brk.get()});
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(publish_rc(*pub, "fleet/b/reading", valid_reading(i), 1, ce_props()), 0);
  EXPECT_EQ(publish_rc(*pub, "fleet/b/reading", kTooHot, 1, ce_props()), kPayloadFormatInvalid);

  subscribe(*sys, "$SYS/accord/enforcement/thermostat", 0);
  // The retained document may predate the traffic: wait for one that has seen it (the
  // interval is 1 s).
  json::value doc;
  std::string last;
  auto deadline = std::chrono::steady_clock::now() + 3500ms;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = sys->next(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!m) break;
    EXPECT_EQ(m->get_topic(), "$SYS/accord/enforcement/thermostat");
    last = m->get_payload_str();
    boost::system::error_code ec;
    doc = json::parse(last, ec);
    ASSERT_FALSE(ec) << "not JSON: " << last;
    if (doc.is_object() && doc.as_object().if_contains("evaluated") &&
        doc.at("evaluated").to_number<std::int64_t>() >= 3)
      break;
  }
  ASSERT_TRUE(doc.is_object()) << "no $SYS document (last: " << last << ")";
  EXPECT_EQ(doc.at("evaluated").to_number<std::int64_t>(), 3) << last;
  EXPECT_EQ(doc.at("accepted").to_number<std::int64_t>(), 2) << last;
  EXPECT_EQ(doc.at("failed"), parse_json(R"({"data_invalid":1})")) << last;
  EXPECT_EQ(doc.at("actions"), parse_json(R"({"rejected":1})")) << last;
  const auto& subj = doc.at("subjects").at(kThermoType);
  EXPECT_EQ(subj.at("evaluated").to_number<std::int64_t>(), 3) << last;
  EXPECT_EQ(subj.at("accepted").to_number<std::int64_t>(), 2) << last;

  // $SYS/accord/broker is there too.
  subscribe(*brk, "$SYS/accord/broker", 0);
  auto bm = brk->next(2500ms);
  ASSERT_TRUE(bm);
  boost::system::error_code ec;
  auto bdoc = json::parse(bm->get_payload_str(), ec);
  ASSERT_FALSE(ec) << bm->get_payload_str();
  EXPECT_TRUE(bdoc.as_object().if_contains("accord_messages_received_total"))
      << bm->get_payload_str();
}

// ---- 8. will checked at CONNECT -----------------------------------------------------------------

TEST_F(Enforcement, InvalidWillRefusedWithConnack0x99) {
  start(kThermostatPolicy);
  auto connect_with_will = [&](const std::string& id, const std::string& payload) {
    PahoClient c(uri(), id, 5);
    auto opts = mqtt::connect_options_builder()
                    .mqtt_version(MQTTVERSION_5)
                    .clean_start(true)
                    .connect_timeout(5s)
                    .will(mqtt::will_options("fleet/unit-8/reading", payload, 1, false, ce_props()))
                    .finalize();
    auto tok = c.client().connect(opts);
    int code = -1;
    try {
      if (!tok->wait_for(5s)) return std::make_pair(-2, false);
      code = int(tok->get_reason_code());
    } catch (const mqtt::exception& e) {
      // Paho C++ 1.2 reports a refused CONNACK's reason code as the token's return code
      // ("MQTT error [153]: CONNACK return code"), the reason code field staying 0.
      code = int(e.get_reason_code()) != 0 ? int(e.get_reason_code()) : e.get_return_code();
    }
    const bool connected = c.client().is_connected();
    return std::make_pair(code, connected);
  };
  auto [bad_code, bad_connected] = connect_with_will("t8-bad", kTooHot);
  EXPECT_EQ(bad_code, kPayloadFormatInvalid);
  EXPECT_FALSE(bad_connected);
  auto [good_code, good_connected] = connect_with_will("t8-good", valid_reading());
  EXPECT_EQ(good_code, 0);
  EXPECT_TRUE(good_connected);
}

// Wills on governed topics, through a raw client that can drop its connection without
// DISCONNECT (Paho cannot): dead-letter rewrites the will's topic; MQTT 3.1.1 has no reason code,
// so "drop" connects without the will and "disconnect" refuses the connection.
TEST_F(Enforcement, WillsAreDeadLetteredDroppedOrRefused) {
  start(kThermostatPolicy + R"(
[[policies]]
name = "wills-dl"
topic_filter = "dlwill/#"
validate_data = true
action = "dead-letter"
dead_letter_topic = "dlq/wills"

[[policies]]
name = "wills-strict"
topic_filter = "strict/#"
validate_data = true
action = "reject"
reject_without_ack = "disconnect"
)");
  auto sub = make("t8w-sub");
  connect_together({sub.get()});
  subscribe(*sub, "#", 1);
  auto with_will = [](ConnectOptions o, const std::string& topic, const std::string& payload) {
    Will w;
    w.topic = topic;
    w.payload = payload;
    w.qos = 1;
    if (o.version == 5) w.props.add_str(prop::ContentType, kCeJson);
    o.will = w;
    return o;
  };
  // MQTT 5, dead-letter: accepted at CONNECT, published to the dead-letter topic on the drop.
  {
    RawClient c;
    Connack ack = c.connect(port(), with_will(v5("t8w-dl"), "dlwill/unit-1", kTooHot));
    EXPECT_EQ(ack.code, 0);
    c.drop();
    auto m = sub->next();
    ASSERT_TRUE(m) << "the dead-lettered will was not published";
    EXPECT_EQ(m->get_topic(), "dlq/wills");
    EXPECT_EQ(m->get_payload_str(), kTooHot);
    EXPECT_EQ(mqtt::get<std::string>(m->get_properties(), mqtt::property::CONTENT_TYPE), kCeJson);
    auto ups = user_properties(m->get_properties());
    ASSERT_GE(ups.size(), 4u);
    using UP = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(UP(ups.begin(), ups.begin() + 3), (UP{{"accord-original-topic", "dlwill/unit-1"},
                                                    {"accord-client-id", "t8w-dl"},
                                                    {"accord-policy", "wills-dl"}}));
    EXPECT_EQ(ups.back(), (std::pair<std::string, std::string>{"accord-error", kTooHotReason}));
  }
  // MQTT 3.1.1, reject + drop: connected, but the will is gone.
  {
    RawClient c;
    Connack ack =
        c.connect(port(), with_will(v311("t8w-311-drop"), "fleet/unit-1/reading", kTooHot));
    EXPECT_EQ(ack.code, 0);
    c.drop();
    EXPECT_TRUE(sub->none_for(400ms)) << "an invalid 3.1.1 will was published";
  }
  // ... while a valid 3.1.1 will is published (control).
  {
    RawClient c;
    Connack ack =
        c.connect(port(), with_will(v311("t8w-311-ok"), "fleet/unit-1/reading", valid_reading()));
    EXPECT_EQ(ack.code, 0);
    c.drop();
    auto m = sub->next();
    ASSERT_TRUE(m) << "a valid 3.1.1 will was not published";
    EXPECT_EQ(m->get_topic(), "fleet/unit-1/reading");
    EXPECT_EQ(m->get_payload_str(), valid_reading());
  }
  // MQTT 3.1.1, reject + disconnect: the connection is refused (CONNACK 5, not authorized: 3.1.1
  // has no code for a bad payload).
  {
    RawClient c;
    Connack ack = c.connect(port(), with_will(v311("t8w-311-strict"), "strict/unit-1", kTooHot));
    EXPECT_EQ(ack.code, 5);
    EXPECT_TRUE(c.wait_closed(2s).has_value()) << "the refused connection stayed open";
  }
  EXPECT_TRUE(sub->none_for(200ms));
}

// ---- 9. bad [[policies]] in the config file -----------------------------------------------------

TEST_F(Enforcement, BadPolicyTablesStopStartupWithExitCode2) {
  std::string tmpl = (fs::temp_directory_path() / "accord-enf-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl;
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } cleanup{dir};
  struct Case {
    std::string name, toml, expect;
  };
  const std::vector<Case> cases = {
      {"unknown action",
       "[[policies]]\nname = \"p1\"\ntopic_filter = \"a/#\"\naction = \"explode\"\n",
       "action must be one of: reject, dead-letter, drop, log-only"},
      {"dead-letter without topic",
       "[[policies]]\nname = \"p2\"\ntopic_filter = \"a/#\"\naction = \"dead-letter\"\n",
       "action dead-letter needs a dead_letter_topic"},
      {"unknown key", "[[policies]]\nname = \"p3\"\ntopic_filter = \"a/#\"\ncolour = \"red\"\n",
       "unknown policy key 'colour'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string file = dir + "/bad-" + std::to_string(&c - cases.data()) + ".toml";
    std::ofstream(file) << c.toml;
    auto checked = run_process({accord_binary(), "--config", file, "--check-config"}, 10s);
    EXPECT_EQ(checked.exit_code, 2) << checked.out;
    EXPECT_NE(checked.out.find(c.expect), std::string::npos) << checked.out;
    EXPECT_NE(checked.out.find(file), std::string::npos)
        << "the message does not name the file: " << checked.out;
    std::string trimmed = checked.out;
    while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
    EXPECT_EQ(trimmed.find('\n'), std::string::npos) << "not one line: " << checked.out;
    // A real start fails the same way, before listening.
    auto started =
        run_process({accord_binary(), "--config", file, "--listen", "127.0.0.1:0", "--set",
                     "admin.listen=127.0.0.1:0", "--set", "store.data_dir=" + dir + "/never"},
                    10s);
    EXPECT_EQ(started.exit_code, 2) << started.out;
    EXPECT_NE(started.out.find(c.expect), std::string::npos) << started.out;
  }
  // A good table passes --check-config.
  const std::string good = dir + "/good.toml";
  std::ofstream(good) << kThermostatPolicy;
  auto ok = run_process({accord_binary(), "--config", good, "--check-config"}, 10s);
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
}

}  // namespace
}  // namespace accord::it
