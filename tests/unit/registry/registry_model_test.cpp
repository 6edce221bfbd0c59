// The registry's model rules on a real store: ids, versions, idempotence, deletes, levels,
// modes, references, persistence.
#include <set>

#include "registry_test_util.hpp"

namespace accord::registry::test {
namespace {

const char* kReadingV1 = R"({"type":"object","properties":{"deviceId":{"type":"string"},
  "temperature":{"type":"number"}},"required":["deviceId"],"additionalProperties":false})";
// The same schema: other member order and whitespace.
const char* kReadingV1Reformatted =
    R"({ "required": ["deviceId"], "properties": { "temperature": {"type": "number"},
        "deviceId": {"type": "string"} }, "type": "object", "additionalProperties": false })";
// Adds an optional property to the closed model: BACKWARD compatible (the new reader reads old
// data, which never has the property).
const char* kReadingV2 = R"({"type":"object","properties":{"deviceId":{"type":"string"},
  "temperature":{"type":"number"},"humidity":{"type":"number"}},"required":["deviceId"],
  "additionalProperties":false})";
// temperature becomes a string: incompatible both ways.
const char* kReadingBroken = R"({"type":"object","properties":{"deviceId":{"type":"string"},
  "temperature":{"type":"string"}},"required":["deviceId"],"additionalProperties":false})";

using Model = RegistryFixture;

TEST_F(Model, FirstRegistrationIsIdOneVersionOne) {
  EXPECT_EQ(must_register("readings", json_schema(kReadingV1)), 1);
  auto v = reg().version("readings", "latest", false);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->version, 1);
  EXPECT_EQ(v->id, 1);
  EXPECT_EQ(v->schema.text, kReadingV1);
  EXPECT_EQ(v->schema.type, SchemaType::Json);
}

TEST_F(Model, ReRegisteringTheSameSchemaIsIdempotentAcrossFormatting) {
  const int id = must_register("readings", json_schema(kReadingV1));
  EXPECT_EQ(must_register("readings", json_schema(kReadingV1Reformatted)), id);
  EXPECT_EQ(*reg().versions("readings", false), std::vector<int>{1});
  auto found = reg().lookup("readings", json_schema(kReadingV1Reformatted), false);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->version, 1);
}

TEST_F(Model, IdenticalSchemaUnderTwoSubjectsSharesOneId) {
  const int a = must_register("readings-a", json_schema(kReadingV1));
  const int b = must_register("readings-b", json_schema(kReadingV1Reformatted));
  EXPECT_EQ(a, b);
  auto subjects = reg().subjects_for_id(a, false);
  ASSERT_TRUE(subjects.ok());
  EXPECT_EQ(*subjects, (std::vector<std::string>{"readings-a", "readings-b"}));
  // A different schema gets a new id.
  EXPECT_NE(must_register("other", json_schema(R"({"type":"string"})")), a);
}

TEST_F(Model, IncompatibleVersionIsRefusedWithPathAndNothingWritten) {
  must_register("readings", json_schema(kReadingV1));
  auto r = reg().register_schema("readings", json_schema(kReadingBroken));
  const auto msg = expect_error(r, 409);
  EXPECT_EQ(r.error().http_status, 409u);
  EXPECT_NE(msg.find("temperature"), std::string::npos) << msg;
  EXPECT_EQ(*reg().versions("readings", false), std::vector<int>{1});
  reopen();
  EXPECT_EQ(*reg().versions("readings", false), std::vector<int>{1});
}

TEST_F(Model, CompatibleVersionGetsNextVersionAndNewId) {
  const int v1 = must_register("readings", json_schema(kReadingV1));
  const int v2 = must_register("readings", json_schema(kReadingV2));
  EXPECT_NE(v1, v2);
  EXPECT_EQ(*reg().versions("readings", false), (std::vector<int>{1, 2}));
  EXPECT_EQ(reg().version("readings", "1", false)->id, v1);
  EXPECT_EQ(reg().version("readings", "-1", false)->id, v2);
}

TEST_F(Model, LevelNoneAcceptsAnythingAndSubjectLevelOverridesGlobal) {
  must_register("readings", json_schema(kReadingV1));
  ASSERT_TRUE(reg().set_compatibility("readings", CompatibilityLevel::None).ok());
  EXPECT_EQ(reg().compatibility("readings"), CompatibilityLevel::None);
  EXPECT_TRUE(reg().register_schema("readings", json_schema(kReadingBroken)).ok());
  // Global FULL does not apply to a subject with its own level.
  ASSERT_TRUE(reg().set_compatibility("", CompatibilityLevel::Full).ok());
  EXPECT_EQ(reg().effective_compatibility("readings"), CompatibilityLevel::None);
  EXPECT_EQ(reg().effective_compatibility("elsewhere"), CompatibilityLevel::Full);
  auto previous = reg().delete_compatibility("readings");
  ASSERT_TRUE(previous.ok());
  EXPECT_EQ(*previous, CompatibilityLevel::None);
  EXPECT_EQ(reg().compatibility("readings"), std::nullopt);
  expect_error(reg().delete_compatibility("readings"), 40408);
  expect_error(reg().delete_compatibility("no-such-subject"), 40401);
}

// FORWARD: the old schema must read the new one's data, so each version may only narrow.
TEST_F(Model, ForwardLevelLetsVersionsNarrowOnly) {
  const char* w1 = R"({"type":"object","properties":{"a":{"type":"number"}}})";
  const char* w2 = R"({"type":"object","properties":{"a":{"type":"number","minimum":0}}})";
  const char* w3 = R"({"type":"object","properties":{"a":{"type":"number","minimum":0,"maximum":10}}})";
  const char* w4 = R"({"type":"object","properties":{"a":{"type":"number","minimum":-5,"maximum":10}}})";
  ASSERT_TRUE(reg().set_compatibility("fwd", CompatibilityLevel::Forward).ok());
  must_register("fwd", json_schema(w1));
  must_register("fwd", json_schema(w2));
  must_register("fwd", json_schema(w3));
  expect_error(reg().register_schema("fwd", json_schema(w4)), 409);  // w3 cannot read a = -5
}

// Transitive levels differ from plain ones once history has a break in it (a version accepted
// under NONE): v3 reads v2's data but not v1's.
TEST_F(Model, TransitiveLevelsCheckEveryLiveVersion) {
  const char* v1 = R"({"type":"object","properties":{"a":{"type":"integer"}}})";
  const char* v2 = R"({"type":"object","properties":{"a":{"type":"string"}}})";
  const char* v3 = R"({"type":"object","properties":{"a":{"type":["string","null"]}}})";
  must_register("s", json_schema(v1));
  ASSERT_TRUE(reg().set_compatibility("s", CompatibilityLevel::None).ok());
  must_register("s", json_schema(v2));
  ASSERT_TRUE(reg().set_compatibility("s", CompatibilityLevel::BackwardTransitive).ok());
  auto report = reg().check_compatibility("s", std::nullopt, json_schema(v3));
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->compatible);
  std::set<int> versions;
  for (const auto& e : report->entries) versions.insert(e.version);
  EXPECT_EQ(versions, std::set<int>{1}) << "v3 reads v2 but not v1";
  expect_error(reg().register_schema("s", json_schema(v3)), 409);
  ASSERT_TRUE(reg().set_compatibility("s", CompatibilityLevel::Backward).ok());
  report = reg().check_compatibility("s", std::nullopt, json_schema(v3));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->compatible) << "plain level: the latest only";
  EXPECT_EQ(must_register("s", json_schema(v3)), 3);
}

TEST_F(Model, CompatibilityCheckAgainstOneVersionAndErrors) {
  must_register("readings", json_schema(kReadingV1));
  auto ok = reg().check_compatibility("readings", std::string("1"), json_schema(kReadingV2));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->compatible);
  auto bad = reg().check_compatibility("readings", std::string("latest"), json_schema(kReadingBroken));
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->compatible);
  ASSERT_FALSE(bad->messages.empty());
  EXPECT_NE(bad->messages[0].find("/properties/temperature"), std::string::npos) << bad->messages[0];
  expect_error(reg().check_compatibility("readings", std::string("7"), json_schema(kReadingV2)), 40402);
  expect_error(reg().check_compatibility("nope", std::string("1"), json_schema(kReadingV2)), 40401);
  expect_error(reg().check_compatibility("readings", std::string("x"), json_schema(kReadingV2)), 42202);
  expect_error(reg().check_compatibility("readings", std::nullopt, json_schema("{not json")), 42201);
  // Nothing registered under a subject: anything is compatible.
  auto fresh = reg().check_compatibility("fresh", std::nullopt, json_schema(kReadingV1));
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(fresh->compatible);
}

TEST_F(Model, InvalidInputGetsItsCode) {
  auto r = reg().register_schema("s", json_schema("{\"type\": 12}"));
  EXPECT_FALSE(expect_error(r, 42201).empty());
  expect_error(reg().register_schema("s", json_schema("[1,2]")), 42201);
  expect_error(reg().register_schema("s", json_schema("")), 42201);
  expect_error(reg().register_schema("s", proto_schema("message {")), 42201);
  expect_error(reg().register_schema("", json_schema(kReadingV1)), 42208);
  expect_error(reg().register_schema(std::string("a\0b", 3), json_schema(kReadingV1)), 42208);
  expect_error(reg().version("s", "1", false), 40401);
  must_register("s", json_schema(kReadingV1));
  expect_error(reg().version("s", "2", false), 40402);
  expect_error(reg().version("s", "0", false), 42202);
  expect_error(reg().version("s", "abc", false), 42202);
  expect_error(reg().version("s", "99999999999", false), 42202);
  expect_error(reg().schema_by_id(42), 40403);
  expect_error(reg().lookup("s", json_schema(kReadingV2), false), 40403);
  expect_error(reg().lookup("t", json_schema(kReadingV2), false), 40401);
  // Nothing of the failures was written.
  EXPECT_EQ(reg().subjects(true), std::vector<std::string>{"s"});
  EXPECT_EQ(reg().counts().schemas, 1u);
}

TEST_F(Model, SoftThenPermanentDeleteOfAVersion) {
  const int id1 = must_register("readings", json_schema(kReadingV1));
  must_register("readings", json_schema(kReadingV2));
  expect_error(reg().delete_version("readings", "1", true), 40407);  // not soft-deleted first
  ASSERT_EQ(*reg().delete_version("readings", "1", false), 1);
  expect_error(reg().delete_version("readings", "1", false), 40406);
  EXPECT_EQ(*reg().versions("readings", false), std::vector<int>{2});
  EXPECT_EQ(*reg().versions("readings", true), (std::vector<int>{1, 2}));
  expect_error(reg().version("readings", "1", false), 40402);
  EXPECT_TRUE(reg().version("readings", "1", true)->deleted);
  EXPECT_TRUE(reg().schema_by_id(id1).ok()) << "soft-deleted: the id still resolves";
  ASSERT_EQ(*reg().delete_version("readings", "1", true), 1);
  EXPECT_EQ(*reg().versions("readings", true), std::vector<int>{2});
  expect_error(reg().schema_by_id(id1), 40403);
  // Ids are never reused, not even after a restart.
  reopen();
  const int id3 = must_register("readings", json_schema(R"({"type":"object","properties":{
      "deviceId":{"type":"string"},"temperature":{"type":"number"},"humidity":{"type":"number"},
      "battery":{"type":"number"}},"required":["deviceId"],"additionalProperties":false})"));
  EXPECT_GT(id3, 2);
  EXPECT_EQ(*reg().versions("readings", false), (std::vector<int>{2, 3}));
}

TEST_F(Model, SoftThenPermanentDeleteOfASubject) {
  must_register("readings", json_schema(kReadingV1));
  must_register("readings", json_schema(kReadingV2));
  ASSERT_TRUE(reg().set_compatibility("readings", CompatibilityLevel::Full).ok());
  expect_error(reg().delete_subject("readings", true), 40405);
  EXPECT_EQ(*reg().delete_subject("readings", false), (std::vector<int>{1, 2}));
  expect_error(reg().delete_subject("readings", false), 40404);
  EXPECT_TRUE(reg().subjects(false).empty());
  EXPECT_EQ(reg().subjects(true), std::vector<std::string>{"readings"});
  expect_error(reg().versions("readings", false), 40401);
  // Registering into a soft-deleted subject continues its numbering.
  must_register("readings", json_schema(R"({"type":"string"})"));
  EXPECT_EQ(*reg().versions("readings", false), std::vector<int>{3});
  EXPECT_EQ(*reg().delete_subject("readings", false), std::vector<int>{3});
  EXPECT_EQ(*reg().delete_subject("readings", true), (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(reg().subjects(true).empty());
  EXPECT_EQ(reg().compatibility("readings"), std::nullopt) << "its config went with it";
  EXPECT_EQ(reg().counts().schemas, 0u);
  expect_error(reg().delete_subject("readings", false), 40401);
  must_register("readings", json_schema(kReadingV1));
  EXPECT_EQ(*reg().versions("readings", false), std::vector<int>{1}) << "a new subject";
}

TEST_F(Model, ReadOnlyModeRefusesChangesUntilReadWrite) {
  must_register("readings", json_schema(kReadingV1));
  ASSERT_TRUE(reg().set_mode("readings", Mode::ReadOnly).ok());
  expect_error(reg().register_schema("readings", json_schema(kReadingV2)), 42205);
  expect_error(reg().delete_subject("readings", false), 42205);
  expect_error(reg().delete_version("readings", "1", false), 42205);
  EXPECT_TRUE(reg().register_schema("other", json_schema(kReadingV2)).ok()) << "per subject";
  ASSERT_TRUE(reg().set_mode("", Mode::ReadOnly).ok());
  expect_error(reg().register_schema("other", json_schema(kReadingV1)), 42205);
  ASSERT_TRUE(reg().delete_mode("readings").ok());
  EXPECT_EQ(reg().effective_mode("readings"), Mode::ReadOnly) << "the global mode again";
  ASSERT_TRUE(reg().set_mode("", Mode::ReadWrite).ok());
  EXPECT_TRUE(reg().register_schema("readings", json_schema(kReadingV2)).ok());
  expect_error(reg().delete_mode("readings"), 40409);
}

TEST_F(Model, EverythingSurvivesARestart) {
  const int id1 = must_register("readings", json_schema(kReadingV1));
  const int id2 = must_register("readings", json_schema(kReadingV2));
  must_register("copy", json_schema(kReadingV1));
  ASSERT_TRUE(reg().delete_version("readings", "1", false).ok());
  ASSERT_TRUE(reg().set_compatibility("readings", CompatibilityLevel::FullTransitive).ok());
  ASSERT_TRUE(reg().set_compatibility("", CompatibilityLevel::Forward).ok());
  ASSERT_TRUE(reg().set_mode("copy", Mode::ReadOnly).ok());
  reopen();
  EXPECT_EQ(*reg().versions("readings", false), std::vector<int>{2});
  EXPECT_EQ(*reg().versions("readings", true), (std::vector<int>{1, 2}));
  EXPECT_EQ(reg().version("readings", "2", false)->id, id2);
  EXPECT_EQ(reg().schema_by_id(id1)->text, kReadingV1);
  EXPECT_EQ(reg().compatibility("readings"), CompatibilityLevel::FullTransitive);
  EXPECT_EQ(reg().effective_compatibility("x"), CompatibilityLevel::Forward);
  EXPECT_EQ(reg().mode("copy"), Mode::ReadOnly);
  // The restored schemas are compiled and compare as before.
  EXPECT_EQ(must_register("readings", json_schema(kReadingV2)), id2);
  expect_error(reg().register_schema("readings", json_schema(kReadingBroken)), 409);
  ASSERT_NE(reg().compiled(id2), nullptr);
  EXPECT_TRUE(reg().compiled(id2)->is_valid(R"({"deviceId":"d1","humidity":40})"));
  EXPECT_FALSE(reg().compiled(id2)->is_valid(R"({"humidity":40})"));
}

TEST_F(Model, JsonSchemaReferencesResolveAcrossSubjects) {
  const char* address = R"({"$id":"https://example.com/schemas/address.json","type":"object",
    "properties":{"city":{"type":"string"}},"required":["city"]})";
  must_register("address", json_schema(address));
  const char* person = R"({"$id":"https://example.com/schemas/person.json","type":"object",
    "properties":{"home":{"$ref":"address.json"}}})";
  const int id = must_register(
      "person", json_schema(person, {{"address.json", "address", -1}}));
  auto v = reg().version("person", "1", false);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->schema.references.size(), 1u);
  EXPECT_EQ(v->schema.references[0].version, 1) << "-1 is pinned to the version it meant";
  auto schema = reg().compiled(id);
  EXPECT_TRUE(schema->is_valid(R"({"home":{"city":"Lyon"}})"));
  EXPECT_FALSE(schema->is_valid(R"({"home":{}})"));
  EXPECT_EQ(*reg().referenced_by("address", "1"), std::vector<int>{id});
  expect_error(reg().delete_version("address", "1", false), 42206);
  expect_error(reg().delete_subject("address", false), 42206);
  expect_error(reg().register_schema("p2", json_schema(person, {{"address.json", "nope", 1}})), 42201);
  reopen();
  EXPECT_TRUE(reg().compiled(id)->is_valid(R"({"home":{"city":"Lyon"}})"));
  EXPECT_FALSE(reg().compiled(id)->is_valid(R"({"home":{}})"));
}

TEST_F(Model, ProtobufSchemasImportsAndMessageChoice) {
  const char* common = R"(syntax = "proto3";
package acme.common;
message Location { double lat = 1; double lon = 2; })";
  must_register("acme/common.proto", proto_schema(common));
  const char* reading = R"(syntax = "proto3";
package acme;
import "acme/common.proto";
message Header { string device_id = 1; }
message Reading { string device_id = 1; double temperature = 2; acme.common.Location where = 3; })";
  // Subject names the message type (TopicRecordNameStrategy): acme.Reading, not the first one.
  const int id = must_register("telemetry-acme.Reading",
                               proto_schema(reading, {{"acme/common.proto", "acme/common.proto", 1}}));
  auto parsed = reg().compiled("telemetry-acme.Reading", "latest");
  ASSERT_NE(parsed, nullptr);
  EXPECT_TRUE(parsed->is_valid(R"({"deviceId":"d1","temperature":21.5,"where":{"lat":1,"lon":2}})"));
  // The same file under a topic-named subject validates with its first message, Header.
  EXPECT_EQ(must_register("telemetry-value",
                          proto_schema(reading, {{"acme/common.proto", "acme/common.proto", 1}})),
            id);
  EXPECT_TRUE(reg().compiled("telemetry-value", "1")->is_valid(R"({"deviceId":"d1"})"));
  EXPECT_FALSE(reg().compiled("telemetry-value", "1")->is_valid(R"({"temperature":1})"));
  EXPECT_FALSE(parsed->is_valid(R"({"deviceId":"d1","temperature":"hot"})"));
  EXPECT_FALSE(parsed->is_valid(R"({"nosuchfield":1})"));
  // Binary: field 2 (double) = 21.5, wire type 1.
  std::string binary;
  binary.push_back(0x11);
  double t = 21.5;
  binary.append(reinterpret_cast<const char*>(&t), sizeof t);
  EXPECT_TRUE(parsed->is_valid(binary, true));
  EXPECT_FALSE(parsed->is_valid(std::string("\x11\x01", 2), true)) << "truncated";
  // A field changing type is refused under BACKWARD.
  const char* changed = R"(syntax = "proto3";
package acme;
import "acme/common.proto";
message Header { string device_id = 1; }
message Reading { string device_id = 1; string temperature = 2; acme.common.Location where = 3; })";
  auto r = reg().register_schema("telemetry-acme.Reading",
                                 proto_schema(changed, {{"acme/common.proto", "acme/common.proto", 1}}));
  const auto msg = expect_error(r, 409);
  EXPECT_NE(msg.find("temperature"), std::string::npos) << msg;
  reopen();
  EXPECT_TRUE(reg().compiled("telemetry-acme.Reading", "1")->is_valid(R"({"deviceId":"d2","temperature":1})"));
  EXPECT_FALSE(reg().compiled("telemetry-value", "1")->is_valid(R"({"temperature":1})"));
}

TEST_F(Model, ValidateReportsEveryErrorWithItsPointer) {
  must_register("readings", json_schema(R"({"type":"object","properties":{
     "deviceId":{"type":"string"},"temperature":{"type":"number","maximum":60}},
     "required":["deviceId"],"additionalProperties":false})"));
  auto ok = reg().validate("readings", "latest", R"({"deviceId":"d","temperature":20})", false);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->errors.empty());
  auto bad = reg().validate("readings", "1", R"({"temperature":99,"extra":true})", false);
  ASSERT_TRUE(bad.ok());
  std::set<std::string> locations;
  for (const auto& e : bad->errors) locations.insert(e.location);
  EXPECT_TRUE(locations.count("/temperature")) << "maximum";
  EXPECT_GE(bad->errors.size(), 3u) << "required, maximum, additionalProperties";
  expect_error(reg().validate("readings", "2", "{}", false), 40402);
}

TEST_F(Model, DiffNamesTheChangesAndBothDirections) {
  must_register("readings", json_schema(kReadingV1));
  ASSERT_TRUE(reg().set_compatibility("readings", CompatibilityLevel::None).ok());
  must_register("readings", json_schema(kReadingBroken));
  auto d = reg().diff("readings", "1", "2");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->changes.is_array());
  ASSERT_EQ(d->changes.as_array().size(), 1u);
  EXPECT_EQ(d->changes.as_array()[0].as_object().at("path").as_string(), "/properties/temperature/type");
  EXPECT_FALSE(d->backward.compatible);
  EXPECT_FALSE(d->forward.compatible);
}

}  // namespace
}  // namespace accord::registry::test
