// Behaviour of check_json_schema beyond single changes: reasons people can act on, every
// problem reported once, the ref loader contract, termination and limits, odd input.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "registry/compat/json_schema_compat.hpp"

namespace accord::compat {
namespace {

Incompatibilities check(std::string_view reader, std::string_view writer,
                        const JsonRefLoader& loader = {}) {
  return check_json_schema(boost::json::parse(reader), boost::json::parse(writer), loader);
}

bool has(const Incompatibilities& found, std::string_view kind, std::string_view path) {
  for (const auto& entry : found) {
    if (entry.kind == kind && entry.path == path) return true;
  }
  return false;
}

constexpr const char* kThermostatV1 = R"j({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://accord.example/schemas/thermostat-reading.json",
  "title": "Thermostat reading",
  "type": "object",
  "properties": {
    "deviceId": {"type": "string", "maxLength": 64},
    "ts": {"type": "string", "format": "date-time"},
    "temp": {"type": "number", "minimum": -50, "maximum": 150},
    "unit": {"enum": ["C", "F"]},
    "humidity": {"type": "number", "minimum": 0, "maximum": 100},
    "mode": {"enum": ["off", "heat", "cool", "auto"]},
    "location": {"$ref": "#/$defs/location"}
  },
  "required": ["deviceId", "ts", "temp"],
  "additionalProperties": false,
  "$defs": {
    "location": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
                 "required": ["lat", "lon"]}
  }
})j";

TEST(JsonSchemaCompat, IdenticalSchemasAreCompatibleBothWays) {
  EXPECT_TRUE(check(kThermostatV1, kThermostatV1).empty());
  // Reformatted, members reordered, annotations edited: still the same schema.
  const std::string reordered = R"j({
    "additionalProperties": false, "required": ["deviceId", "ts", "temp"], "type": "object",
    "$defs": {"location": {"required": ["lat", "lon"], "type": "object",
                           "properties": {"lon": {"type": "number"}, "lat": {"type": "number"}}}},
    "properties": {
      "location": {"$ref": "#/$defs/location"}, "mode": {"enum": ["off", "heat", "cool", "auto"]},
      "humidity": {"maximum": 100, "minimum": 0, "type": "number"}, "unit": {"enum": ["C", "F"]},
      "temp": {"maximum": 150, "minimum": -50, "type": "number", "description": "Celsius"},
      "ts": {"format": "date-time", "type": "string"}, "deviceId": {"maxLength": 64, "type": "string"}
    }})j";
  EXPECT_TRUE(check(kThermostatV1, reordered).empty());
  EXPECT_TRUE(check(reordered, kThermostatV1).empty());
}

TEST(JsonSchemaCompat, ReasonsNameThePropertyAndTheChange) {
  const auto found = check(R"j({"properties": {"temp": {"type": "string"}}})j",
                           R"j({"properties": {"temp": {"type": "number"}}})j");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].path, "/properties/temp/type");
  EXPECT_EQ(found[0].kind, "TYPE_CHANGED");
  EXPECT_EQ(found[0].reason,
            "property \"temp\" changed type from number to string: documents with a number would "
            "be rejected");
}

TEST(JsonSchemaCompat, NestedPropertiesAreNamedByTheirPathInTheDocument) {
  const auto found = check(
      R"j({"properties": {"site": {"properties": {"rooms": {"items": {"properties": {
            "sensor": {"required": ["serial"]}}}}}}}})j",
      R"j({"properties": {"site": {"properties": {"rooms": {"items": {"properties": {
            "sensor": {}}}}}}}})j");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, "REQUIRED_ADDED");
  EXPECT_NE(found[0].reason.find("\"site.rooms[].sensor.serial\""), std::string::npos)
      << found[0].reason;
}

TEST(JsonSchemaCompat, ReportsEveryProblemNotJustTheFirst) {
  const std::string v2 = R"j({
    "type": "object",
    "properties": {
      "deviceId": {"type": "string", "maxLength": 32},
      "ts": {"type": "string", "format": "date-time"},
      "temp": {"type": "integer", "minimum": -40, "maximum": 150},
      "unit": {"enum": ["C"]},
      "humidity": {"type": "number", "minimum": 0, "maximum": 100},
      "mode": {"enum": ["off", "heat", "cool", "auto"]},
      "location": {"$ref": "#/$defs/location"}
    },
    "required": ["deviceId", "ts", "temp", "unit"],
    "additionalProperties": false,
    "$defs": {
      "location": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
                   "required": ["lat", "lon"]}
    }})j";
  const auto found = check(v2, kThermostatV1);  // BACKWARD: new readers, old events
  EXPECT_TRUE(has(found, "MAX_LENGTH_DECREASED", "/properties/deviceId/maxLength"));
  EXPECT_TRUE(has(found, "TYPE_NARROWED", "/properties/temp/type"));
  EXPECT_TRUE(has(found, "MINIMUM_INCREASED", "/properties/temp/minimum"));
  EXPECT_TRUE(has(found, "ENUM_NARROWED", "/properties/unit/enum"));
  EXPECT_TRUE(has(found, "REQUIRED_ADDED", "/required/3"));
  EXPECT_EQ(found.size(), 5u);
  for (const auto& entry : found) EXPECT_FALSE(entry.reason.empty());
  EXPECT_TRUE(check(kThermostatV1, v2).empty());  // FORWARD holds: v2 only narrowed things
}

TEST(JsonSchemaCompat, TheSameProblemReachedTwiceIsReportedOnce) {
  // Both writer branches carry a number where the reader wants a string.
  const auto found = check(R"j({"properties": {"value": {"type": "string"}}})j",
                           R"j({"anyOf": [{"properties": {"value": {"type": "integer"}}},
                     {"properties": {"value": {"type": "number", "minimum": 0}}}]})j");
  ASSERT_EQ(found.size(), 1u) << found[0].reason;
  EXPECT_EQ(found[0].path, "/properties/value/type");
}

TEST(JsonSchemaCompat, LoaderGetsTheUriAsWrittenThenTheResolvedOne) {
  const auto geo = boost::json::parse(R"j({"type": "object"})j");
  std::vector<std::string> asked;
  const JsonRefLoader loader = [&](std::string_view uri) -> const boost::json::value* {
    asked.emplace_back(uri);
    return uri == "https://accord.example/schemas/geo.json" ? &geo : nullptr;
  };
  const std::string schema = R"j({"$id": "https://accord.example/schemas/reading.json",
    "properties": {"a": {"$ref": "geo.json#/type"}, "b": {"$ref": "geo.json"},
                   "local": {"$ref": "#/properties/a"}}})j";
  EXPECT_TRUE(check(schema, schema, loader).empty());
  // Identical schemas need no loading at all.
  EXPECT_TRUE(asked.empty());

  const auto found = check(R"j({"$id": "https://accord.example/schemas/reading.json",
                                "properties": {"where": {"$ref": "geo.json"}}})j",
                           R"j({"properties": {"where": {"type": ["object", "null"]}}})j", loader);
  EXPECT_EQ(asked,
            (std::vector<std::string>{"geo.json", "https://accord.example/schemas/geo.json"}));
  EXPECT_TRUE(has(found, "TYPE_NARROWED", "https://accord.example/schemas/geo.json#/type"));
}

TEST(JsonSchemaCompat, ExternalSchemaReferringToItselfAndBack) {
  // A registered tree schema that recurses through its own $defs.
  const auto tree = boost::json::parse(R"j({"$defs": {"node": {"type": "object",
      "properties": {"v": {"type": "number"}, "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
      "$ref": "#/$defs/node"})j");
  const JsonRefLoader loader = [&](std::string_view uri) -> const boost::json::value* {
    return uri == "tree.json" ? &tree : nullptr;
  };
  EXPECT_TRUE(check(R"j({"properties": {"root": {"$ref": "tree.json"}}})j",
                    R"j({"properties": {"root": {"$ref": "tree.json"}}})j", loader)
                  .empty());
  const auto found = check(R"j({"properties": {"root": {"$ref": "tree.json"}}})j",
                           R"j({"properties": {"root": {"type": "object",
                                "properties": {"v": {"type": "string"}}}}})j",
                           loader);
  EXPECT_TRUE(has(found, "TYPE_CHANGED", "tree.json#/$defs/node/properties/v/type"));
}

TEST(JsonSchemaCompat, TerminatesOnDegenerateSelfReferences) {
  const std::vector<std::string> schemas = {
      R"j({"$ref": "#"})j",
      R"j({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"})j",
      R"j({"allOf": [{"$ref": "#"}], "type": "object"})j",
      R"j({"anyOf": [{"$ref": "#"}, {"type": "string"}]})j",
      R"j({"oneOf": [{"$ref": "#"}, {"not": {"$ref": "#"}}]})j",
      R"j({"properties": {"x": {"$ref": "#"}}, "additionalProperties": {"$ref": "#"},
           "items": {"$ref": "#"}, "enum": [1, {"x": {"x": 2}}]})j",
      R"j({"if": {"$ref": "#"}, "then": {"$ref": "#"}, "else": {"not": {"$ref": "#"}}})j",
  };
  for (const auto& reader : schemas) {
    for (const auto& writer : schemas) {
      (void)check(reader, writer);  // must return; the answer itself is not the point
    }
  }
  EXPECT_TRUE(check(schemas[0], schemas[0]).empty());
}

TEST(JsonSchemaCompat, ExplodingAlternativesStopAtTheWorkLimit) {
  // Twelve nested levels of four-way anyOf: 4^12 writer alternatives.
  std::string writer = R"j({"type": "number"})j";
  for (int level = 0; level < 12; ++level) {
    writer = R"j({"anyOf": [)j" + writer + ", " + writer +
             R"j(, {"type": "integer"}, {"minimum": )j" + std::to_string(level) + "}]}";
  }
  const auto started = std::chrono::steady_clock::now();
  const auto found = check(R"j({"type": "string"})j", writer);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(found.empty());
  EXPECT_LT(elapsed, std::chrono::seconds(20));
}

TEST(JsonSchemaCompat, DeepNestingStopsAtTheDepthLimitInsteadOfTheStack) {
  std::string reader = R"j({"type": "number"})j";
  std::string writer = R"j({"type": "string"})j";
  for (int level = 0; level < 300; ++level) {
    reader = R"j({"properties": {"x": )j" + reader + "}}";
    writer = R"j({"anyOf": [{"properties": {"x": )j" + writer + R"j(}}, {"type": "null"}]})j";
  }
  boost::json::parse_options deep;
  deep.max_depth = 10000;
  const auto found =
      check_json_schema(boost::json::parse(reader, {}, deep), boost::json::parse(writer, {}, deep));
  EXPECT_TRUE(has(found, "TOO_COMPLEX", ""));
}

TEST(JsonSchemaCompat, MalformedSchemasDoNotThrow) {
  const std::vector<std::string> odd = {
      R"j({"type": 5, "properties": [], "required": "x", "enum": 3, "$ref": 7})j",
      R"j({"items": [1, 2], "prefixItems": {}, "additionalProperties": "no"})j",
      R"j({"minimum": "ten", "maxLength": null, "multipleOf": 0, "pattern": "(unclosed"})j",
      R"j({"$ref": "#/definitions/missing", "$defs": {"a": {"$ref": "#/nope/~9"}}})j",
      R"j({"$ref": "%zz#/%"})j",
      R"j({"dependencies": {"a": 5}, "dependentRequired": {"a": {"b": 1}}, "contains": 1})j",
      R"j(42)j",
      R"j("string schema")j",
  };
  for (const auto& reader : odd) {
    for (const auto& writer : odd) {
      EXPECT_NO_THROW((void)check(reader, writer)) << reader << " vs " << writer;
    }
  }
}

TEST(JsonSchemaCompat, LargeSchemaIsCheckedQuickly) {
  // 60 device kinds in a discriminated oneOf, each with 20 properties (a few ms in release;
  // sanitizer builds are much slower, hence the generous bound).
  const auto make = [](int kinds, const char* temp_type) {
    boost::json::object defs;
    boost::json::array branches;
    for (int k = 0; k < kinds; ++k) {
      boost::json::object properties;
      properties["kind"] = boost::json::object{{"const", "kind" + std::to_string(k)}};
      for (int p = 0; p < 20; ++p) {
        properties["p" + std::to_string(p)] =
            boost::json::object{{"type", p == 0 ? temp_type : "string"}, {"maxLength", 40}};
      }
      defs["d" + std::to_string(k)] = boost::json::object{
          {"type", "object"}, {"properties", properties}, {"required", boost::json::array{"kind"}}};
      branches.push_back(boost::json::object{{"$ref", "#/$defs/d" + std::to_string(k)}});
    }
    return boost::json::serialize(boost::json::object{{"$defs", defs}, {"oneOf", branches}});
  };
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(check(make(60, "number"), make(60, "number")).empty());
  EXPECT_TRUE(check(make(61, "number"), make(60, "number")).empty());  // branch added: BACKWARD ok
  const auto narrowed = check(make(60, "integer"), make(60, "number"));
  EXPECT_TRUE(has(narrowed, "ONE_OF_NO_MATCH", "/oneOf"));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_LT(elapsed, std::chrono::seconds(20));
}

}  // namespace
}  // namespace accord::compat
