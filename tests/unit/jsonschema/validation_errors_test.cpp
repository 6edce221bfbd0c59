// validate(): every error, with the instance location, the keyword location along the
// evaluation path, the absolute keyword location, and a message a person can act on.
#include <gtest/gtest.h>

#include "tests/unit/jsonschema/test_support.hpp"

namespace accord::jsonschema {
namespace {

using testing::compile_ok;

constexpr std::string_view kReadingSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["id", "temp", "ts"],
  "properties": {
    "id": {"type": "string", "pattern": "^dev-[0-9]+$"},
    "temp": {"type": "number", "minimum": -40, "maximum": 40},
    "ts": {"type": "string", "format": "date-time"},
    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
    "loc": {"$ref": "#/$defs/location"}
  },
  "additionalProperties": false,
  "$defs": {
    "location": {"type": "object", "properties": {"lat": {"type": "number", "maximum": 90}}}
  }
})";

const Error* find(const std::vector<Error>& errors, std::string_view keyword_location) {
  for (const auto& e : errors) {
    if (e.keyword_location == keyword_location) return &e;
  }
  return nullptr;
}

TEST(ValidationErrors, ValidDocumentHasNoErrors) {
  const auto schema = compile_ok(kReadingSchema);
  ASSERT_TRUE(schema);
  EXPECT_TRUE(
      schema->validate(R"({"id":"dev-1","temp":21.5,"ts":"2024-01-01T00:00:00Z"})").empty());
}

TEST(ValidationErrors, ReportsEveryErrorWithLocations) {
  const auto schema = compile_ok(kReadingSchema);
  ASSERT_TRUE(schema);
  const auto errors = schema->validate(
      R"({"id":"dev-1","temp":42.5,"ts":"2024-01-01T00:00:00Z","tags":["a","a"],"extra":1,"loc":{"lat":100}})");
  ASSERT_EQ(errors.size(), 4u);

  const Error* maximum = find(errors, "/properties/temp/maximum");
  ASSERT_NE(maximum, nullptr);
  EXPECT_EQ(maximum->instance_location, "/temp");
  EXPECT_EQ(maximum->message, "42.5 is greater than the maximum 40");
  EXPECT_EQ(maximum->absolute_keyword_location, "#/properties/temp/maximum");

  const Error* unique = find(errors, "/properties/tags/uniqueItems");
  ASSERT_NE(unique, nullptr);
  EXPECT_EQ(unique->instance_location, "/tags");
  EXPECT_NE(unique->message.find("items 0 and 1 are equal"), std::string::npos);

  const Error* additional = find(errors, "/additionalProperties");
  ASSERT_NE(additional, nullptr);
  EXPECT_EQ(additional->instance_location, "/extra");
  EXPECT_EQ(additional->message, "additional property \"extra\" is not allowed");

  // Through a $ref: the evaluation path shows the $ref, the absolute location the target.
  const Error* lat = find(errors, "/properties/loc/$ref/properties/lat/maximum");
  ASSERT_NE(lat, nullptr);
  EXPECT_EQ(lat->instance_location, "/loc/lat");
  EXPECT_EQ(lat->absolute_keyword_location, "#/$defs/location/properties/lat/maximum");
}

TEST(ValidationErrors, MissingRequiredTypePatternAndFormat) {
  const auto schema = compile_ok(kReadingSchema);
  ASSERT_TRUE(schema);
  const auto errors = schema->validate(R"({"id":"x","temp":"warm","ts":"yesterday"})");
  ASSERT_EQ(errors.size(), 3u);
  const Error* pattern = find(errors, "/properties/id/pattern");
  ASSERT_NE(pattern, nullptr);
  EXPECT_EQ(pattern->message, "\"x\" does not match the pattern \"^dev-[0-9]+$\"");
  const Error* type = find(errors, "/properties/temp/type");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->message, "\"warm\" is a string, expected number");
  const Error* format = find(errors, "/properties/ts/format");
  ASSERT_NE(format, nullptr);
  EXPECT_EQ(format->message, "\"yesterday\" is not a valid date-time");

  const auto missing = schema->validate(R"({"id":"dev-2"})");
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].instance_location, "");
  EXPECT_EQ(missing[0].keyword_location, "/required");
  EXPECT_EQ(missing[0].message, "missing required property \"temp\"");
  EXPECT_EQ(missing[1].message, "missing required property \"ts\"");
}

TEST(ValidationErrors, PointersAreEscaped) {
  const auto schema = compile_ok(R"({"properties":{"a/b~c":{"items":{"type":"integer"}}}})");
  ASSERT_TRUE(schema);
  const auto errors = schema->validate(R"({"a/b~c":[1,"two"]})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_location, "/a~1b~0c/1");
  EXPECT_EQ(errors[0].keyword_location, "/properties/a~1b~0c/items/type");
}

TEST(ValidationErrors, CombinatorsReportOneErrorEach) {
  const auto schema = compile_ok(R"({"properties":{
      "any":{"anyOf":[{"type":"integer"},{"type":"string"}]},
      "one":{"oneOf":[{"type":"integer"},{"minimum":0}]},
      "not":{"not":{"const":0}}}})");
  ASSERT_TRUE(schema);
  const auto errors = schema->validate(R"({"any":1.5,"one":5,"not":0})");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].keyword_location, "/properties/any/anyOf");
  EXPECT_EQ(errors[0].message, "1.5 does not match any of the 2 schemas in anyOf");
  EXPECT_EQ(errors[1].keyword_location, "/properties/one/oneOf");
  EXPECT_NE(errors[1].message.find("more than one schema in oneOf (0 and 1)"), std::string::npos);
  EXPECT_EQ(errors[2].keyword_location, "/properties/not/not");
}

TEST(ValidationErrors, ConditionalErrorsComeFromTheBranchTaken) {
  const auto schema = compile_ok(R"({"if":{"properties":{"kind":{"const":"temp"}}},
      "then":{"required":["celsius"]},"else":{"required":["value"]}})");
  ASSERT_TRUE(schema);
  const auto then_errors = schema->validate(R"({"kind":"temp"})");
  ASSERT_EQ(then_errors.size(), 1u);
  EXPECT_EQ(then_errors[0].keyword_location, "/then/required");
  const auto else_errors = schema->validate(R"({"kind":"other"})");
  ASSERT_EQ(else_errors.size(), 1u);
  EXPECT_EQ(else_errors[0].keyword_location, "/else/required");
}

TEST(ValidationErrors, AbsoluteLocationUsesTheResourceUri) {
  const auto schema = compile_ok(R"({"$id":"https://example.com/reading.json",
      "properties":{"v":{"$ref":"#/$defs/v"}},"$defs":{"v":{"maximum":1}}})");
  ASSERT_TRUE(schema);
  const auto errors = schema->validate(R"({"v":2})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].absolute_keyword_location,
            "https://example.com/reading.json#/$defs/v/maximum");
}

TEST(ValidationErrors, MaxErrorsBoundsTheList) {
  const auto schema = compile_ok(R"({"items":{"type":"string"}})");
  ASSERT_TRUE(schema);
  std::string many = "[";
  for (int i = 0; i < 500; ++i) many += (i ? ",1" : "1");
  many += "]";
  EXPECT_EQ(schema->validate(many).size(), 100u);
  EXPECT_EQ(schema->validate(many, 3).size(), 3u);
  EXPECT_EQ(schema->validate(many, 0).size(), 500u);  // 0 = no limit
}

TEST(ValidationErrors, ParseErrorIsOneErrorAtTheRoot) {
  const auto schema = compile_ok(R"({"type":"object"})");
  ASSERT_TRUE(schema);
  EXPECT_FALSE(schema->is_valid("{\"a\":"));
  const auto errors = schema->validate("{\"a\":");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_location, "");
  EXPECT_NE(errors[0].message.find("not valid JSON"), std::string::npos);
}

TEST(ValidationErrors, UnevaluatedPropertiesNamesTheProperty) {
  const auto schema = compile_ok(R"({"allOf":[{"properties":{"a":true}}],
      "unevaluatedProperties":false})");
  ASSERT_TRUE(schema);
  const auto errors = schema->validate(R"({"a":1,"b":2})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_location, "/b");
  EXPECT_EQ(errors[0].keyword_location, "/unevaluatedProperties");
  EXPECT_EQ(errors[0].message, "unevaluated property \"b\" is not allowed");
}

TEST(ValidationErrors, ContainsAndLengths) {
  const auto schema = compile_ok(R"({"properties":{
      "list":{"contains":{"const":"x"},"minContains":2},
      "name":{"minLength":3,"maxLength":4}}})");
  ASSERT_TRUE(schema);
  const auto errors = schema->validate(R"({"list":["x","y"],"name":"ab"})");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].keyword_location, "/properties/list/minContains");
  EXPECT_EQ(errors[1].keyword_location, "/properties/name/minLength");
  EXPECT_EQ(errors[1].message, "\"ab\" is shorter than 3 characters (2)");
}

}  // namespace
}  // namespace accord::jsonschema
