// The enforcer against a real registry (in-memory store): thermostat readings as JSON Schema
// and Protobuf, published in each CloudEvents content mode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "broker/store/store.hpp"
#include "registry/core/registry.hpp"
#include "registry/enforcement/enforcer.hpp"

namespace accord::enforcement {
namespace {

// gtest only (the tests do not link gmock): substring and prefix checks that print the text.
#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)
#define EXPECT_STARTS(text, prefix) EXPECT_TRUE(std::string_view(text).starts_with(prefix)) << (text)

using Props = std::vector<std::pair<std::string, std::string>>;
bool has_prop(const Props& props, const std::string& name, const std::string& value) {
  return std::find(props.begin(), props.end(), std::pair{name, value}) != props.end();
}

const std::string kType = "com.example.thermostat.reading";
const std::string kPbSubject = "com.example.thermostat.reading.pb";

std::string example(const std::string& name) {
  auto path = std::filesystem::path(__FILE__).parent_path() / "../../../schemas/examples/thermostat" / name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string reading(const std::string& temperature, const std::string& extra = "") {
  return R"({"deviceId":"th-0000abcd","temperature":)" + temperature +
         R"(,"measuredAt":"2026-11-23T10:00:00Z")" + extra + "}";
}

// A structured JSON event; `attrs` is spliced in after the core attributes (",\"k\":\"v\"").
std::string structured(const std::string& data, const std::string& type = kType,
                       const std::string& attrs = "") {
  return R"({"specversion":"1.0","id":"e-1","source":"/thermostats/1","type":")" + type +
         R"(","time":"2026-11-23T10:00:00Z","datacontenttype":"application/json")" + attrs +
         R"(,"data":)" + data + "}";
}

PublishView mqtt5_structured(std::string_view topic, const std::string& payload) {
  return PublishView{topic, 5, "application/cloudevents+json", {}, payload};
}

// Protobuf wire encoding, written from the field numbers so it does not share the parser's code.
namespace pb {
std::string varint(std::uint64_t v) {
  std::string out;
  do {
    auto b = static_cast<char>(v & 0x7f);
    v >>= 7;
    if (v) b = static_cast<char>(b | 0x80);
    out += b;
  } while (v);
  return out;
}
std::string len(int field, std::string_view bytes) {
  return varint(static_cast<std::uint64_t>(field) << 3 | 2) + varint(bytes.size()) + std::string(bytes);
}
std::string dbl(int field, double d) {
  std::string out = varint(static_cast<std::uint64_t>(field) << 3 | 1);
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  for (int i = 0; i < 8; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
  return out;
}
// io.cloudevents.v1.CloudEvent with a string attribute map entry and binary_data.
std::string event(const std::string& type, const std::string& content_type, const std::string& data) {
  auto attr = [](std::string_view k, std::string_view v) { return len(5, len(1, k) + len(2, len(3, v))); };
  return len(1, "e-1") + len(2, "/thermostats/1") + len(3, "1.0") + len(4, type) +
         attr("datacontenttype", content_type) + len(6, data);
}
}  // namespace pb

class EnforcerTest : public ::testing::Test {
 protected:
  EnforcerTest() {
    store::StoreOptions o;
    o.durability = store::Durability::Memory;
    auto s = store::open_store(o);
    if (!s.status.ok) throw std::runtime_error(s.status.message);
    store_ = std::move(s.store);
    auto r = registry::Registry::open(*store_, {});
    if (!r.ok()) throw std::runtime_error(r.error().message);
    registry_ = std::move(r.value());
    source_ = std::make_unique<RegistrySchemaSource>(*registry_);
    json_v1_ = add(kType, example("reading.v1.schema.json"));
    pb_id_ = add(kPbSubject, example("reading.proto"), registry::SchemaType::Protobuf);
  }
  ~EnforcerTest() override {
    source_.reset();
    registry_.reset();
    store_->close();
  }

  int add(const std::string& subject, const std::string& text,
          registry::SchemaType type = registry::SchemaType::Json) {
    auto r = registry_->register_schema(subject, {text, type, {}});
    if (!r.ok()) throw std::runtime_error(r.error().message);
    return r.value();
  }

  static Policy policy(std::string filter = "thermostats/#") {
    Policy p;
    p.name = "thermostats";
    p.topic_filter = std::move(filter);
    p.validate_data = true;
    return p;
  }
  Enforcer enforcer(std::vector<Policy> policies) { return Enforcer(std::move(policies), *source_); }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<RegistrySchemaSource> source_;  // built once registry_ exists
  int json_v1_ = 0, pb_id_ = 0;
};

TEST_F(EnforcerTest, ValidStructuredEventIsAccepted) {
  auto e = enforcer({policy()});
  auto payload = structured(reading("21.5"));
  auto v = e.evaluate(mqtt5_structured("thermostats/1", payload));
  EXPECT_EQ(v.outcome, Outcome::Accepted) << v.reason;
  EXPECT_EQ(v.policy, "thermostats");
  EXPECT_EQ(v.subject, kType);
  EXPECT_EQ(v.version, 1);
  EXPECT_EQ(v.schema_id, json_v1_);
  EXPECT_TRUE(v.errors.empty());
  // MQTT 3.1.1 has no content type: the payload is a structured event.
  auto v4 = e.evaluate(PublishView{"thermostats/1", 4, std::nullopt, {}, payload});
  EXPECT_EQ(v4.outcome, Outcome::Accepted) << v4.reason;
}

TEST_F(EnforcerTest, InvalidDataIsRejectedNamingTheField) {
  auto e = enforcer({policy()});
  auto payload = structured(reading("99"));
  auto v = e.evaluate(mqtt5_structured("thermostats/1", payload));
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_STARTS(v.reason, "data/temperature: ");
  EXPECT_HAS(v.reason, "maximum 85");
  ASSERT_FALSE(v.errors.empty());
  EXPECT_EQ(v.errors[0].where, "data/temperature");
  EXPECT_EQ(v.version, 1);
}

TEST_F(EnforcerTest, BrokenAttributesAreRejected) {
  auto e = enforcer({policy()});
  std::string no_source = R"({"specversion":"1.0","id":"e-1","type":")" + kType + R"(","data":)" +
                          reading("20") + "}";
  auto v = e.evaluate(mqtt5_structured("thermostats/1", no_source));
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  ASSERT_FALSE(v.errors.empty());
  EXPECT_EQ(v.errors[0].where, "source");
  EXPECT_HAS(v.reason, "source");

  std::string bad_time = R"({"specversion":"1.0","id":"e-1","source":"/t","type":")" + kType +
                         R"(","time":"yesterday","data":)" + reading("20") + "}";
  v = e.evaluate(mqtt5_structured("thermostats/1", bad_time));
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_STARTS(v.reason, "time");
  EXPECT_HAS(v.reason, "RFC 3339");
}

TEST_F(EnforcerTest, TypeMustBeAllowed) {
  auto p = policy();
  p.validate_data = false;
  p.allowed_types = {"com.example.thermostat.*", "com.example.exact"};
  auto e = enforcer({p});
  auto ok = structured(reading("20"));
  EXPECT_EQ(e.evaluate(mqtt5_structured("thermostats/1", ok)).outcome, Outcome::Accepted);
  auto exact = structured(reading("20"), "com.example.exact");
  EXPECT_EQ(e.evaluate(mqtt5_structured("thermostats/1", exact)).outcome, Outcome::Accepted);
  auto other = structured(reading("20"), "com.example.exactly");
  auto v = e.evaluate(mqtt5_structured("thermostats/1", other));
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_EQ(v.errors.at(0).where, "type");
  EXPECT_HAS(v.reason, "com.example.exactly");
}

TEST_F(EnforcerTest, ContentModeMustBeAllowed) {
  auto p = policy();
  p.allowed_modes = {ContentMode::StructuredJson};
  auto e = enforcer({p});
  auto data = reading("20");
  PublishView binary{"thermostats/1", 5, "application/json",
                     {{"specversion", "1.0"}, {"id", "e-1"}, {"source", "/t"}, {"type", kType}},
                     data};
  auto v = e.evaluate(binary);
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_STARTS(v.reason, "content-mode: content mode binary");
  // MQTT 5 without any CloudEvents marker, where CloudEvents are required.
  v = e.evaluate(PublishView{"thermostats/1", 5, "application/json", {}, data});
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_HAS(v.reason, "not a CloudEvent");
}

TEST_F(EnforcerTest, OversizedPayloadIsRejectedBeforeParsing) {
  auto p = policy();
  p.max_payload_bytes = 64;
  auto e = enforcer({p});
  auto v = e.evaluate(mqtt5_structured("thermostats/1", structured(reading("20"))));
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_EQ(v.errors.size(), 1u);
  EXPECT_HAS(v.reason, "over the limit of 64");
}

TEST_F(EnforcerTest, DeadLetterCarriesTheOriginalTopicAndErrors) {
  auto p = policy();
  p.action = FailureAction::DeadLetter;
  p.dead_letter_topic = "dlq/thermostats";
  auto e = enforcer({p});
  auto v = e.evaluate(mqtt5_structured("thermostats/7", structured(reading("99"))));
  EXPECT_EQ(v.outcome, Outcome::DeadLettered);
  EXPECT_EQ(v.dead_letter_topic, "dlq/thermostats");
  const auto& props = v.dead_letter_properties;
  EXPECT_TRUE(has_prop(props, kDeadLetterOriginalTopic, "thermostats/7"));
  EXPECT_TRUE(has_prop(props, kDeadLetterClientId, ""));
  EXPECT_TRUE(has_prop(props, kDeadLetterPolicy, "thermostats"));
  EXPECT_TRUE(has_prop(props, kDeadLetterError, v.reason));
  EXPECT_TRUE(has_prop(props, kDeadLetterSchema, kType + "/1/" + std::to_string(json_v1_)));
}

TEST_F(EnforcerTest, DryRunAcceptsButReportsAndCounts) {
  auto p = policy();
  p.dry_run = true;
  p.action = FailureAction::DeadLetter;
  p.dead_letter_topic = "dlq/thermostats";
  auto e = enforcer({p});
  auto v = e.evaluate(mqtt5_structured("thermostats/1", structured(reading("99"))));
  EXPECT_EQ(v.outcome, Outcome::Accepted);
  EXPECT_TRUE(v.dry_run);
  EXPECT_EQ(v.would_be, Outcome::DeadLettered);
  EXPECT_STARTS(v.reason, "data/temperature");
  EXPECT_FALSE(v.dead_letter_properties.empty());
  // A valid event in a dry run is simply accepted, with nothing to report.
  auto ok = e.evaluate(mqtt5_structured("thermostats/1", structured(reading("20"))));
  EXPECT_EQ(ok.outcome, Outcome::Accepted);
  EXPECT_EQ(ok.would_be, Outcome::Accepted);
  EXPECT_TRUE(ok.passed());
}

TEST_F(EnforcerTest, DataschemaPinsAVersion) {
  int v2 = add(kType, example("reading.v2.schema.json"));
  auto e = enforcer({policy()});
  auto humid = reading("20", R"(,"humidity":40)");
  // Unpinned: the latest (v2) knows humidity.
  auto v = e.evaluate(mqtt5_structured("thermostats/1", structured(humid)));
  EXPECT_EQ(v.outcome, Outcome::Accepted) << v.reason;
  EXPECT_EQ(v.version, 2);
  EXPECT_EQ(v.schema_id, v2);
  // Pinned to v1, which forbids additional properties.
  for (std::string pin : {"accord:" + kType + ":1",
                          "https://registry.example/subjects/" + kType + "/versions/1"}) {
    auto payload = structured(humid, kType, R"(,"dataschema":")" + pin + "\"");
    v = e.evaluate(mqtt5_structured("thermostats/1", payload));
    EXPECT_EQ(v.outcome, Outcome::Rejected) << pin;
    EXPECT_EQ(v.version, 1) << pin;
    EXPECT_EQ(v.schema_id, json_v1_) << pin;
    EXPECT_STARTS(v.reason, "data") << pin;
  }
  // A pin to a version that does not exist.
  auto missing = structured(reading("20"), kType, R"(,"dataschema":"accord:)" + kType + R"(:9")");
  v = e.evaluate(mqtt5_structured("thermostats/1", missing));
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_EQ(v.errors.at(0).where, "dataschema");
}

TEST_F(EnforcerTest, AnyRegisteredAcceptsDataAnOlderVersionAccepts) {
  ASSERT_TRUE(registry_->set_compatibility(kType, registry::CompatibilityLevel::None).ok());
  auto v2_text = example("reading.v1.schema.json");
  auto at = v2_text.find("\"maximum\": 85");
  ASSERT_NE(at, std::string::npos);
  v2_text.replace(at, 13, "\"maximum\": 50");
  add(kType, v2_text);
  auto payload = structured(reading("70"));

  auto latest = enforcer({policy()});
  auto v = latest.evaluate(mqtt5_structured("thermostats/1", payload));
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_EQ(v.version, 2);

  auto p = policy();
  p.version_selection = VersionSelection::AnyRegistered;
  auto any = enforcer({p});
  v = any.evaluate(mqtt5_structured("thermostats/1", payload));
  EXPECT_EQ(v.outcome, Outcome::Accepted) << v.reason;
  EXPECT_EQ(v.version, 1);
  // Valid under no version: the errors are the newest version's.
  v = any.evaluate(mqtt5_structured("thermostats/1", structured(reading("99"))));
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_EQ(v.version, 2);
  EXPECT_HAS(v.reason, "maximum 50");
}

TEST_F(EnforcerTest, BinaryModeFromUserProperties) {
  auto e = enforcer({policy()});
  std::vector<std::pair<std::string, std::string>> attrs{
      {"specversion", "1.0"}, {"id", "e-1"}, {"source", "/thermostats/1"}, {"type", kType}};
  auto good = reading("20");
  auto v = e.evaluate(PublishView{"thermostats/1", 5, "application/json", attrs, good});
  EXPECT_EQ(v.outcome, Outcome::Accepted) << v.reason;
  EXPECT_EQ(v.subject, kType);
  auto bad = reading("-41");
  v = e.evaluate(PublishView{"thermostats/1", 5, "application/json", attrs, bad});
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_STARTS(v.reason, "data/temperature");
  // Binary mode without a content type: nothing says what the data is.
  v = e.evaluate(PublishView{"thermostats/1", 5, std::nullopt, attrs, good});
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_EQ(v.errors.at(0).where, "datacontenttype");
}

TEST_F(EnforcerTest, ProtobufFormatWithProtobufData) {
  auto p = policy();
  p.subject_strategy = SubjectStrategy::Type;
  auto e = enforcer({p});
  auto data = pb::len(1, "th-0000abcd") + pb::dbl(2, 21.5);
  auto payload = pb::event(kPbSubject, "application/protobuf", data);
  auto v = e.evaluate(PublishView{"thermostats/1", 5, "application/cloudevents+protobuf", {}, payload});
  EXPECT_EQ(v.outcome, Outcome::Accepted) << v.reason;
  EXPECT_EQ(v.schema_id, pb_id_);
  // A length-delimited field that claims more bytes than follow.
  auto truncated = pb::event(kPbSubject, "application/x-protobuf", "\x0a\x20th-");
  v = e.evaluate(PublishView{"thermostats/1", 5, "application/cloudevents+protobuf", {}, truncated});
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_STARTS(v.errors.at(0).where, "data");
}

TEST_F(EnforcerTest, UngovernedTopicsPass) {
  auto e = enforcer({policy()});
  auto v = e.evaluate(PublishView{"lights/1", 5, std::nullopt, {}, "not an event"});
  EXPECT_EQ(v.outcome, Outcome::NotGoverned);
  EXPECT_TRUE(v.policy.empty());
}

TEST_F(EnforcerTest, PlainPayloadsWhereCloudEventsAreOptional) {
  auto p = policy();
  p.require_cloudevents = false;
  p.validate_data = false;
  auto e = enforcer({p});
  EXPECT_EQ(e.evaluate(PublishView{"thermostats/1", 4, std::nullopt, {}, "21.5"}).outcome,
            Outcome::Accepted);
  // With subject = topic the plain payload itself is validated.
  add("thermostats/1", example("reading.v1.schema.json"));
  p.validate_data = true;
  p.subject_strategy = SubjectStrategy::Topic;
  auto strict = enforcer({p});
  auto good = reading("20"), bad = reading("99");
  EXPECT_EQ(strict.evaluate(PublishView{"thermostats/1", 5, std::nullopt, {}, good}).outcome,
            Outcome::Accepted);
  auto v = strict.evaluate(PublishView{"thermostats/1", 5, std::nullopt, {}, bad});
  EXPECT_EQ(v.outcome, Outcome::Rejected);
  EXPECT_EQ(v.subject, "thermostats/1");
}

TEST_F(EnforcerTest, FirstMatchingPolicyWins) {
  auto special = policy("thermostats/lab/#");
  special.name = "lab";
  special.action = FailureAction::Drop;
  auto general = policy("thermostats/#");
  general.name = "general";
  auto bad = structured(reading("99"));

  auto e = enforcer({special, general});
  auto v = e.evaluate(mqtt5_structured("thermostats/lab/1", bad));
  EXPECT_EQ(v.policy, "lab");
  EXPECT_EQ(v.outcome, Outcome::Dropped);
  v = e.evaluate(mqtt5_structured("thermostats/home/1", bad));
  EXPECT_EQ(v.policy, "general");
  EXPECT_EQ(v.outcome, Outcome::Rejected);

  // In the other order the general filter shadows the specific one.
  auto reversed = enforcer({general, special});
  v = reversed.evaluate(mqtt5_structured("thermostats/lab/1", bad));
  EXPECT_EQ(v.policy, "general");
  EXPECT_EQ(v.outcome, Outcome::Rejected);
}

// Metrics count failures by class; each class comes from the first finding.
TEST_F(EnforcerTest, FailuresAreClassifiedByTheirFirstFinding) {
  auto p = policy();
  p.allowed_types = {"com.example.*"};
  p.allowed_modes = {ContentMode::StructuredJson, ContentMode::Protobuf};
  p.max_payload_bytes = 2000;
  auto e = enforcer({p});
  auto failure = [&](const PublishView& view) { return e.evaluate(view).failure; };
  EXPECT_EQ(failure(mqtt5_structured("thermostats/1", structured(reading("20")))), FailureReason::None);
  EXPECT_EQ(failure(mqtt5_structured("thermostats/1", std::string(3000, ' '))),
            FailureReason::PayloadTooLarge);
  EXPECT_EQ(failure(PublishView{"thermostats/1", 5, std::nullopt, {}, "21.5"}),
            FailureReason::NotCloudEvent);
  EXPECT_EQ(failure(PublishView{"thermostats/1", 4, std::nullopt, {}, "not json"}),
            FailureReason::NotCloudEvent);
  EXPECT_EQ(failure(PublishView{"thermostats/1", 5, "application/json",
                                {{"specversion", "1.0"}, {"id", "1"}, {"source", "/x"},
                                 {"type", kType}},
                                reading("20")}),
            FailureReason::ContentMode);
  EXPECT_EQ(failure(mqtt5_structured("thermostats/1",
                                     structured(reading("20"), kType, R"(,"time":"yesterday")"))),
            FailureReason::Attribute);
  EXPECT_EQ(failure(mqtt5_structured("thermostats/1", structured(reading("20"), "org.other.t"))),
            FailureReason::TypeNotAllowed);
  EXPECT_EQ(failure(mqtt5_structured("thermostats/1", structured(reading("20"), "com.example.none"))),
            FailureReason::SchemaNotFound);
  EXPECT_EQ(failure(mqtt5_structured("thermostats/1", structured(reading("99")))),
            FailureReason::DataInvalid);
  EXPECT_STREQ(to_string(FailureReason::DataInvalid), "data_invalid");
}

TEST_F(EnforcerTest, PolicyValidationReportsBadPolicies) {
  Policy ok;
  ok.name = "p";
  ok.topic_filter = "sensors/+/temp";
  EXPECT_EQ(validate_policy(ok), "");

  Policy p = ok;
  p.topic_filter = "";
  EXPECT_HAS(validate_policy(p), "empty");
  for (const char* filter : {"sensors/#/temp", "sensors+", "sensors/te#"}) {
    p.topic_filter = filter;
    EXPECT_HAS(validate_policy(p), "not a valid MQTT filter");
  }
  p.topic_filter = "$share/g/sensors/#";
  EXPECT_HAS(validate_policy(p), "$share");

  p = ok;
  p.action = FailureAction::DeadLetter;
  EXPECT_HAS(validate_policy(p), "needs a dead_letter_topic");
  p.dead_letter_topic = "sensors/dlq/temp";
  EXPECT_HAS(validate_policy(p), "loop");
  p.dead_letter_topic = "dlq/#";
  EXPECT_HAS(validate_policy(p), "not a valid topic name");
  p.dead_letter_topic = "dlq/sensors";
  EXPECT_EQ(validate_policy(p), "");

  p = ok;
  p.allowed_types = {"com.*.x"};
  EXPECT_HAS(validate_policy(p), "'*'");
  p = ok;
  p.allowed_modes.clear();
  EXPECT_HAS(validate_policy(p), "content mode");

  // The enforcer refuses a configuration with any bad policy.
  Policy bad = ok;
  bad.topic_filter = "";
  EXPECT_THROW(enforcer({ok, bad}), std::invalid_argument);
}

}  // namespace
}  // namespace accord::enforcement
