// Conformance table for CloudEvents 1.0, written from the spec text: the core attribute rules,
// the JSON event format, the MQTT 5 binary-mode binding and the protobuf format. Each row is one
// event and the verdict the spec gives it; invalid rows name the attribute and rule they break.
#include "registry/cloudevents/cloudevents.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace ce = accord::cloudevents;

namespace {

// A minimal protobuf wire encoder, independent of the module's generated code, so the protobuf
// rows are built from the field numbers in the spec rather than from the code under test.
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
std::string num(int field, std::uint64_t v) { return varint(static_cast<std::uint64_t>(field) << 3) + varint(v); }
// CloudEventAttributeValue cases.
std::string boolean(bool b) { return num(1, b ? 1 : 0); }
std::string integer(std::int32_t v) { return num(2, static_cast<std::uint64_t>(static_cast<std::int64_t>(v))); }
std::string str(std::string_view s) { return len(3, s); }
std::string bytes(std::string_view s) { return len(4, s); }
std::string uri(std::string_view s) { return len(5, s); }
std::string uri_ref(std::string_view s) { return len(6, s); }
std::string timestamp(std::int64_t seconds, std::int32_t nanos) {
  return len(7, num(1, static_cast<std::uint64_t>(seconds)) + num(2, static_cast<std::uint64_t>(nanos)));
}
// CloudEvent: id=1 source=2 spec_version=3 type=4, attributes=5 (map entry key=1 value=2),
// binary_data=6 text_data=7.
std::string attr(std::string_view name, const std::string& value) {
  return len(5, len(1, name) + len(2, value));
}
std::string event(std::string_view id, std::string_view source, std::string_view specversion,
                  std::string_view type, const std::string& rest = "") {
  std::string out;
  if (!id.empty()) out += len(1, id);
  if (!source.empty()) out += len(2, source);
  if (!specversion.empty()) out += len(3, specversion);
  if (!type.empty()) out += len(4, type);
  return out + rest;
}
std::string ok_event(const std::string& rest = "") {
  return event("A234-1234-1234", "/mycontext", "1.0", "com.example.someevent", rest);
}
}  // namespace pb

enum class Form { Json, Mqtt5, Protobuf };

struct Row {
  std::string name;
  Form form;
  std::string input;  // JSON text or protobuf bytes
  ce::Mqtt5Binary mqtt;
  bool ok;
  std::string attribute;  // for invalid rows
  std::string rule;
};

// The spec's own example attributes, with `extra` members spliced in.
std::string json(const std::string& extra = "") {
  std::string s = R"({"specversion":"1.0","id":"A234-1234-1234","source":"/mycontext","type":"com.example.someevent")";
  if (!extra.empty()) s += "," + extra;
  return s + "}";
}

Row J(std::string name, std::string input, bool ok, std::string attr = "", std::string rule = "") {
  return Row{std::move(name), Form::Json, std::move(input), {}, ok, std::move(attr), std::move(rule)};
}
Row P(std::string name, std::string input, bool ok, std::string attr = "", std::string rule = "") {
  return Row{std::move(name), Form::Protobuf, std::move(input), {}, ok, std::move(attr), std::move(rule)};
}
using Props = std::vector<std::pair<std::string, std::string>>;
Props base_props() {
  return {{"specversion", "1.0"}, {"id", "A234"}, {"source", "/mycontext"}, {"type", "com.example.someevent"}};
}
Props with(Props p, Props more) {
  p.insert(p.end(), more.begin(), more.end());
  return p;
}
Row M(std::string name, std::optional<std::string> ct, Props props, std::string_view payload, bool ok,
      std::string attr = "", std::string rule = "") {
  return Row{std::move(name), Form::Mqtt5, "", ce::Mqtt5Binary{std::move(ct), std::move(props), payload},
             ok, std::move(attr), std::move(rule)};
}

std::vector<Row> table() {
  std::vector<Row> rows;
  auto add = [&](Row r) { rows.push_back(std::move(r)); };
  // --- structured JSON: valid ---
  add(J("json_minimal", json(), true));
  add(J("json_all_core_attributes",
        json(R"("datacontenttype":"application/json","dataschema":"https://example.com/schema.json",)"
             R"("subject":"123","time":"2018-04-05T17:31:00Z","data":{"a":[1,2]})"), true));
  add(J("json_source_urn", json().replace(json().find("/mycontext"), 10, "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"), true));
  add(J("json_source_absolute_url", json().replace(json().find("/mycontext"), 10, "https://github.com/cloudevents/spec/pull"), true));
  add(J("json_time_fraction_offset", json(R"("time":"1985-04-12T23:20:50.52+01:00")"), true));
  add(J("json_time_leap_day_lowercase", json(R"("time":"2024-02-29t00:00:00z")"), true));
  add(J("json_media_type_parameters", json(R"("datacontenttype":"application/json; charset=utf-8","data":"x")"), true));
  add(J("json_media_type_quoted_param", json(R"("datacontenttype":"text/plain;format=\"a b\"")"), true));
  add(J("json_data_base64", json(R"("data_base64":"Zm9vYg==")"), true));
  add(J("json_extensions_all_types",
        json(R"("comexamplestr":"x","flag":true,"count":42,"max":2147483647,"min":-2147483648,"whole":3.0)"), true));
  add(J("json_extension_null_is_absent", json(R"("traceparent":null)"), true));
  add(J("json_extension_name_over_20_chars", json(R"("averyveryverylongextensionname":"ok")"), true));
  add(J("json_data_null", json(R"("data":null)"), true));
  add(J("json_optional_null_is_absent", json(R"("subject":null,"time":null)"), true));
  add(J("json_dataschema_urn", json(R"("dataschema":"urn:example:schema:1")"), true));
  // --- structured JSON: invalid ---
  add(J("json_missing_id", R"({"specversion":"1.0","source":"/s","type":"t"})", false, "id", "required"));
  add(J("json_empty_source", R"({"specversion":"1.0","id":"1","source":"","type":"t"})", false, "source", "required"));
  add(J("json_missing_type", R"({"specversion":"1.0","id":"1","source":"/s"})", false, "type", "required"));
  add(J("json_missing_specversion", R"({"id":"1","source":"/s","type":"t"})", false, "specversion", "required"));
  add(J("json_specversion_03", R"({"specversion":"0.3","id":"1","source":"/s","type":"t"})", false, "specversion", "specversion"));
  add(J("json_id_number", R"({"specversion":"1.0","id":7,"source":"/s","type":"t"})", false, "id", "type"));
  add(J("json_source_with_space", R"({"specversion":"1.0","id":"1","source":"http://a b/","type":"t"})", false, "source", "URI-reference"));
  add(J("json_dataschema_relative", json(R"("dataschema":"/schema.json")"), false, "dataschema", "URI"));
  add(J("json_dataschema_with_fragment", json(R"("dataschema":"https://x.example/s.json#/defs")"), false, "dataschema", "URI"));
  add(J("json_media_type_no_subtype", json(R"("datacontenttype":"json")"), false, "datacontenttype", "RFC2046"));
  add(J("json_media_type_trailing_semicolon", json(R"("datacontenttype":"application/json;")"), false, "datacontenttype", "RFC2046"));
  add(J("json_media_type_unterminated_quote", json(R"("datacontenttype":"text/plain;a=\"b")"), false, "datacontenttype", "RFC2046"));
  add(J("json_time_word", json(R"("time":"yesterday")"), false, "time", "RFC3339"));
  add(J("json_time_space_separator", json(R"("time":"2018-04-05 17:31:00Z")"), false, "time", "RFC3339"));
  add(J("json_time_feb_29_non_leap", json(R"("time":"2023-02-29T00:00:00Z")"), false, "time", "RFC3339"));
  add(J("json_time_no_offset", json(R"("time":"2018-04-05T17:31:00")"), false, "time", "RFC3339"));
  add(J("json_time_number", json(R"("time":1522949460)"), false, "time", "type"));
  add(J("json_subject_empty", json(R"("subject":"")"), false, "subject", "non-empty"));
  add(J("json_extension_uppercase", json(R"("myExt":"x")"), false, "myExt", "name"));
  add(J("json_extension_underscore", json(R"("my_ext":"x")"), false, "my_ext", "name"));
  add(J("json_extension_object", json(R"("ext":{"a":1})"), false, "ext", "type"));
  add(J("json_extension_array", json(R"("ext":[1])"), false, "ext", "type"));
  add(J("json_extension_int_too_big", json(R"("ext":2147483648)"), false, "ext", "Integer"));
  add(J("json_extension_int_too_small", json(R"("ext":-2147483649)"), false, "ext", "Integer"));
  add(J("json_extension_fraction", json(R"("ext":1.5)"), false, "ext", "type"));
  add(J("json_data_and_data_base64", json(R"("data":{},"data_base64":"AA==")"), false, "data", "exclusive"));
  add(J("json_data_base64_bad_chars", json(R"("data_base64":"Zm9v!A==")"), false, "data_base64", "base64"));
  add(J("json_data_base64_bad_length", json(R"("data_base64":"Zm9vY")"), false, "data_base64", "base64"));
  add(J("json_data_base64_not_string", json(R"("data_base64":123)"), false, "data_base64", "type"));
  add(J("json_not_json", "{\"id\":", false, "", "syntax"));
  add(J("json_top_level_array", "[]", false, "", "syntax"));
  add(J("json_duplicate_member", json(R"("id":"again")"), false, "id", "duplicate"));
  // --- MQTT 5 binary mode ---
  add(M("mqtt_minimal_json_payload", "application/json", base_props(), R"({"a":1})", true));
  add(M("mqtt_extensions_time_no_payload", std::nullopt,
        with(base_props(), {{"time", "2020-01-01T00:00:00Z"}, {"comexampleext", "1"}, {"subject", "s"}}), "", true));
  add(M("mqtt_binary_payload_no_content_type", std::nullopt, base_props(), std::string_view("\x00\x01\xff", 3), true));
  add(M("mqtt_missing_specversion", std::nullopt, Props{{"id", "1"}, {"source", "/s"}, {"type", "t"}}, "", false,
        "specversion", "required"));
  add(M("mqtt_duplicate_id", std::nullopt, with(base_props(), {{"id", "B"}}), "", false, "id", "duplicate"));
  add(M("mqtt_prefixed_name", std::nullopt, with(base_props(), {{"ce-traceid", "x"}}), "", false, "ce-traceid", "name"));
  add(M("mqtt_bad_content_type", "not a media type", base_props(), "x", false, "datacontenttype", "RFC2046"));
  // The CloudEvents JS SDK also writes datacontenttype as a user property: tolerated unless it
  // contradicts the Content Type property.
  add(M("mqtt_datacontenttype_user_property_contradicts", "application/json",
        with(base_props(), {{"datacontenttype", "text/plain"}}), "{}", false, "datacontenttype", "binding"));
  add(M("mqtt_datacontenttype_user_property_agrees", "application/json",
        with(base_props(), {{"datacontenttype", "application/json"}}), "{}", true));
  add(M("mqtt_datacontenttype_user_property_only", std::nullopt,
        with(base_props(), {{"datacontenttype", "text/plain"}}), "x", true));
  add(M("mqtt_datacontenttype_user_property_bad", std::nullopt,
        with(base_props(), {{"datacontenttype", "plain"}}), "x", false, "datacontenttype", "RFC2046"));
  add(M("mqtt_bad_time", std::nullopt, with(base_props(), {{"time", "2020-13-01T00:00:00Z"}}), "", false, "time",
        "RFC3339"));
  // --- protobuf format ---
  add(P("pb_minimal", pb::ok_event(), true));
  add(P("pb_all_attribute_types",
        pb::ok_event(pb::attr("datacontenttype", pb::str("text/plain")) +
                     pb::attr("dataschema", pb::uri("https://example.com/s")) + pb::attr("subject", pb::str("x")) +
                     pb::attr("time", pb::timestamp(1522949460, 0)) + pb::attr("flag", pb::boolean(true)) +
                     pb::attr("count", pb::integer(-5)) + pb::attr("blob", pb::bytes("foo")) +
                     pb::attr("link", pb::uri_ref("../x")) + pb::len(7, "hello")),
        true));
  add(P("pb_binary_data", pb::ok_event(pb::len(6, std::string("\x00\x01", 2))), true));
  add(P("pb_garbage", std::string("\xff\xff\xff", 3), false, "", "syntax"));
  add(P("pb_specversion_03", pb::event("1", "/s", "0.3", "t"), false, "specversion", "specversion"));
  add(P("pb_missing_id", pb::event("", "/s", "1.0", "t"), false, "id", "required"));
  add(P("pb_time_as_string", pb::ok_event(pb::attr("time", pb::str("2018-04-05T17:31:00Z"))), false, "time", "type"));
  add(P("pb_bad_extension_name", pb::ok_event(pb::attr("Bad-Name", pb::str("x"))), false, "Bad-Name", "name"));
  add(P("pb_dataschema_relative", pb::ok_event(pb::attr("dataschema", pb::uri("s.json"))), false, "dataschema", "URI"));
  add(P("pb_required_in_map", pb::ok_event(pb::attr("id", pb::str("x"))), false, "id", "binding"));
  add(P("pb_attribute_without_value", pb::ok_event(pb::attr("ext", "")), false, "ext", "type"));
  return rows;
}

ce::ParseResult run(const Row& row) {
  switch (row.form) {
    case Form::Json: return ce::parse_structured_json(row.input);
    case Form::Mqtt5: return ce::parse_mqtt5_binary(row.mqtt);
    case Form::Protobuf: return ce::parse_protobuf(row.input);
  }
  return {};
}

std::string describe(const std::vector<ce::Violation>& vs) {
  std::string s;
  for (const auto& v : vs) s += "  [" + v.attribute + "/" + v.rule + "] " + v.message + "\n";
  return s.empty() ? "  (none)\n" : s;
}

TEST(CloudEventsConformance, Table) {
  auto rows = table();
  ASSERT_GE(rows.size(), 45u);
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto result = run(row);
    if (row.ok) {
      EXPECT_TRUE(result.ok()) << row.name << " should be valid; got:\n" << describe(result.violations);
      continue;
    }
    bool found = false;
    for (const auto& v : result.violations) found |= v.attribute == row.attribute && v.rule == row.rule;
    EXPECT_TRUE(found) << row.name << " should violate [" << row.attribute << "/" << row.rule << "]; got:\n"
                       << describe(result.violations);
  }
}

TEST(CloudEventsConformance, RowCounts) {
  int counts[3][2] = {};
  for (const auto& row : table()) ++counts[static_cast<int>(row.form)][row.ok ? 0 : 1];
  std::printf("json valid=%d invalid=%d; mqtt5 valid=%d invalid=%d; protobuf valid=%d invalid=%d\n", counts[0][0],
              counts[0][1], counts[1][0], counts[1][1], counts[2][0], counts[2][1]);
  for (auto& form : counts) {
    EXPECT_GT(form[0], 0);
    EXPECT_GT(form[1], 0);
  }
}

TEST(CloudEventsConformance, ReportsEveryViolation) {
  auto r = ce::parse_structured_json(
      R"({"specversion":"1.0","source":"a b","type":"t","time":"nope","Bad":"x","ext":[],"subject":""})");
  EXPECT_EQ(r.violations.size(), 6u) << describe(r.violations);
}

TEST(CloudEventsDecoding, JsonValuesAndData) {
  auto r = ce::parse_structured_json(
      json(R"("flag":false,"count":-3,"whole":1e3,"comexamplestr":"v","data":{ "a" : [1, 2] },"subject":"s")"));
  ASSERT_TRUE(r.ok()) << describe(r.violations);
  EXPECT_EQ(r.event.id, "A234-1234-1234");
  EXPECT_EQ(r.event.source, "/mycontext");
  EXPECT_EQ(r.event.subject, "s");
  EXPECT_EQ(r.event.extensions.at("flag"), "false");
  EXPECT_EQ(r.event.extensions.at("count"), "-3");
  EXPECT_EQ(r.event.extensions.at("whole"), "1000");
  EXPECT_EQ(r.event.extensions.at("comexamplestr"), "v");
  EXPECT_EQ(r.event.data_json, R"({"a":[1,2]})");
  EXPECT_FALSE(r.event.data_bytes);

  auto b = ce::parse_structured_json(json(R"("data_base64":"AAH/","traceparent":null)"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.event.data_bytes, std::string("\x00\x01\xff", 3));
  EXPECT_FALSE(b.event.data_json);
  EXPECT_TRUE(b.event.extensions.empty());
}

TEST(CloudEventsDecoding, Mqtt5Binary) {
  ce::Mqtt5Binary m{"application/json", with(base_props(), {{"comexampleext", "7"}}), R"({"x":1})"};
  auto r = ce::parse_mqtt5_binary(m);
  ASSERT_TRUE(r.ok()) << describe(r.violations);
  EXPECT_EQ(r.event.datacontenttype, "application/json");
  EXPECT_EQ(r.event.data_bytes, R"({"x":1})");
  EXPECT_EQ(r.event.extensions.at("comexampleext"), "7");
}

TEST(CloudEventsDecoding, ProtobufCanonicalStrings) {
  auto r = ce::parse_protobuf(pb::ok_event(
      pb::attr("time", pb::timestamp(1522949460, 500000000)) + pb::attr("flag", pb::boolean(true)) +
      pb::attr("count", pb::integer(-5)) + pb::attr("blob", pb::bytes("foo")) + pb::attr("link", pb::uri_ref("../x")) +
      pb::len(7, "hello")));
  ASSERT_TRUE(r.ok()) << describe(r.violations);
  EXPECT_EQ(r.event.specversion, "1.0");
  EXPECT_EQ(r.event.time, "2018-04-05T17:31:00.500Z");
  EXPECT_EQ(r.event.extensions.at("flag"), "true");
  EXPECT_EQ(r.event.extensions.at("count"), "-5");
  EXPECT_EQ(r.event.extensions.at("blob"), "Zm9v");
  EXPECT_EQ(r.event.extensions.at("link"), "../x");
  EXPECT_EQ(r.event.data_bytes, "hello");
}

TEST(CloudEventsSchemaPin, SubjectVersionUrls) {
  auto p = ce::schema_pin("https://registry.example.com:8081/subjects/orders-value/versions/3");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->subject, "orders-value");
  EXPECT_EQ(p->version, "3");
  EXPECT_FALSE(p->id);

  p = ce::schema_pin("http://localhost:8080/api/registry/subjects/com.acme%2Forders%3Av1/versions/latest/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->subject, "com.acme/orders:v1");
  EXPECT_EQ(p->version, "latest");

  p = ce::schema_pin("http://[::1]:9000/subjects/a%20b/versions/12");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->subject, "a b");
  EXPECT_EQ(p->version, "12");
}

TEST(CloudEventsSchemaPin, SchemaIds) {
  auto p = ce::schema_pin("https://registry.example.com:443/schemas/ids/42");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->id, 42);
  EXPECT_TRUE(p->subject.empty());
  EXPECT_TRUE(p->version.empty());
  EXPECT_FALSE(ce::schema_pin("https://r.example/schemas/ids/0"));
  EXPECT_FALSE(ce::schema_pin("https://r.example/schemas/ids/x1"));
  EXPECT_FALSE(ce::schema_pin("https://r.example/schemas/ids/99999999999"));
}

TEST(CloudEventsSchemaPin, AccordScheme) {
  auto p = ce::schema_pin("accord:orders-value:7");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->subject, "orders-value");
  EXPECT_EQ(p->version, "7");
  p = ce::schema_pin("accord:ns:orders:latest");  // subjects may contain colons
  ASSERT_TRUE(p);
  EXPECT_EQ(p->subject, "ns:orders");
  EXPECT_EQ(p->version, "latest");
}

TEST(CloudEventsSchemaPin, GarbageIsNullopt) {
  for (const char* s : {"", "garbage", "accord:", "accord:orders", "accord::3", "accord:orders:",
                        "accord:orders:v3", "https://r.example/subjects/orders", "https://r.example/subjects//versions/1",
                        "https://r.example/subjects/orders/versions/0", "https://r.example/subjects/o/versions/-1",
                        "/subjects/orders/versions/1", "http://bad host/subjects/o/versions/1",
                        "https://r.example/other/orders/versions/1"}) {
    EXPECT_FALSE(ce::schema_pin(s)) << s;
  }
}

}  // namespace
