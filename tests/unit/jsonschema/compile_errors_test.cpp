// Invalid schemas are rejected at compile time with the location of the offending keyword
// (the registry turns these into HTTP 422 answers).
#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/unit/jsonschema/test_support.hpp"

namespace accord::jsonschema {
namespace {

using testing::compile_error;
using testing::compile_ok;

TEST(CompileErrors, WrongKeywordValueTypes) {
  auto e = compile_error(R"({"minimum":"x"})");
  EXPECT_EQ(e.schema_location, "/minimum");
  EXPECT_EQ(e.message, "minimum must be a number");

  e = compile_error(R"({"properties":{"a":{"required":5}}})");
  EXPECT_EQ(e.schema_location, "/properties/a/required");
  EXPECT_EQ(e.message, "required must be an array of strings");

  e = compile_error(R"({"type":"strin"})");
  EXPECT_EQ(e.schema_location, "/type");
  EXPECT_NE(e.message.find("unknown type \"strin\""), std::string::npos);

  EXPECT_EQ(compile_error(R"({"maxLength":-1})").schema_location, "/maxLength");
  EXPECT_EQ(compile_error(R"({"minItems":1.5})").schema_location, "/minItems");
  EXPECT_EQ(compile_error(R"({"multipleOf":0})").schema_location, "/multipleOf");
  EXPECT_EQ(compile_error(R"({"enum":{}})").schema_location, "/enum");
  EXPECT_EQ(compile_error(R"({"allOf":[]})").schema_location, "/allOf");
  EXPECT_EQ(compile_error(R"({"items":[{}]})").schema_location, "/items");  // 2020-12
  EXPECT_EQ(compile_error(R"({"properties":{"a":5}})").schema_location, "/properties/a");
  EXPECT_EQ(compile_error(R"({"required":["a","a"]})").schema_location, "/required");
  EXPECT_EQ(compile_error(R"({"type":["string","string"]})").schema_location, "/type");
  EXPECT_EQ(compile_error(R"({"$defs":{"x":{"uniqueItems":"yes"}}})").schema_location,
            "/$defs/x/uniqueItems");
  EXPECT_EQ(compile_error(R"({"dependentRequired":{"a":[1]}})").schema_location,
            "/dependentRequired/a");
  EXPECT_EQ(compile_error("42").message, "a schema must be an object or a boolean");
}

TEST(CompileErrors, Draft7KeywordsAreCheckedToo) {
  Options draft7;
  draft7.default_draft = Draft::Draft7;
  EXPECT_EQ(compile_error(R"({"dependencies":{"a":5}})", draft7).schema_location,
            "/dependencies/a");
  EXPECT_EQ(compile_error(R"({"additionalItems":"no"})", draft7).schema_location,
            "/additionalItems");
  // Sibling keywords of $ref are ignored in draft-07, so they are not checked either.
  EXPECT_TRUE(compile_ok(
      R"({"definitions":{"a":{}},"allOf":[{"$ref":"#/definitions/a","minimum":"x"}]})", draft7));
}

TEST(CompileErrors, MalformedJsonAndDuplicates) {
  EXPECT_NE(compile_error(R"({"type":)").message.find("not valid JSON"), std::string::npos);
  const auto e = compile_error(R"({"minimum":1,"minimum":2})");
  EXPECT_EQ(e.schema_location, "/minimum");
  EXPECT_EQ(e.message, "duplicate keyword \"minimum\"");
}

TEST(CompileErrors, UnresolvableReferences) {
  auto e = compile_error(R"({"properties":{"a":{"$ref":"#/$defs/missing"}}})");
  EXPECT_EQ(e.schema_location, "/properties/a/$ref");
  EXPECT_NE(e.message.find("does not exist"), std::string::npos);

  e = compile_error(R"({"$ref":"other.json"})");
  EXPECT_EQ(e.schema_location, "/$ref");
  EXPECT_EQ(e.message, "cannot resolve \"other.json\": unknown document");

  e = compile_error(R"({"$ref":"#nope"})");
  EXPECT_NE(e.message.find("no anchor named \"nope\""), std::string::npos);
}

TEST(CompileErrors, UnknownMetaschema) {
  const auto e = compile_error(R"({"$schema":"https://example.com/my-dialect"})");
  EXPECT_EQ(e.schema_location, "/$schema");
  EXPECT_NE(e.message.find("unknown $schema"), std::string::npos);
}

TEST(CompileErrors, PatternsRe2CannotRun) {
  auto e = compile_error(R"({"pattern":"(?=a)b"})");
  EXPECT_EQ(e.schema_location, "/pattern");
  EXPECT_NE(e.message.find("lookahead"), std::string::npos);

  e = compile_error(R"({"patternProperties":{"^(a)\\1$":true}})");
  EXPECT_EQ(e.schema_location, "/patternProperties/^(a)\\1$");
  EXPECT_NE(e.message.find("backreference"), std::string::npos);

  e = compile_error(R"({"properties":{"x":{"pattern":"(?<!a)b"}}})");
  EXPECT_EQ(e.schema_location, "/properties/x/pattern");
  EXPECT_NE(e.message.find("lookbehind"), std::string::npos);

  e = compile_error(R"({"pattern":"^(abc"})");
  EXPECT_NE(e.message.find("not a valid ECMA-262 regular expression"), std::string::npos);
}

TEST(CompileErrors, ResolverSuppliesOtherDocuments) {
  Options options;
  options.resolver = [](std::string_view uri) -> std::optional<std::string> {
    if (uri == "https://schemas.example.com/unit.json") return R"({"enum":["C","F"]})";
    if (uri == "common.json") return R"({"$defs":{"id":{"type":"string","minLength":3}}})";
    return std::nullopt;
  };
  const auto schema = compile_ok(R"({"properties":{
      "unit":{"$ref":"https://schemas.example.com/unit.json"},
      "id":{"$ref":"common.json#/$defs/id"}}})",
                                 options);
  ASSERT_TRUE(schema);
  EXPECT_TRUE(schema->is_valid(R"({"unit":"C","id":"abc"})"));
  EXPECT_FALSE(schema->is_valid(R"({"unit":"K"})"));
  EXPECT_FALSE(schema->is_valid(R"({"id":"ab"})"));

  // A relative reference resolves against base_uri when one is given.
  options.base_uri = "https://schemas.example.com/readings/v1.json";
  const auto based = compile_ok(R"({"$ref":"../unit.json"})", options);
  ASSERT_TRUE(based);
  EXPECT_FALSE(based->is_valid(R"("K")"));
}

TEST(CompileErrors, MetaschemasAreBuiltIn) {
  const auto schema = compile_ok(R"({"$ref":"https://json-schema.org/draft/2020-12/schema"})");
  ASSERT_TRUE(schema);
  EXPECT_TRUE(schema->is_valid(R"({"type":"string","minLength":1})"));
  EXPECT_FALSE(schema->is_valid(R"({"minLength":-1})"));
  const auto draft7 = compile_ok(R"({"$ref":"http://json-schema.org/draft-07/schema#"})");
  ASSERT_TRUE(draft7);
  EXPECT_FALSE(draft7->is_valid(R"({"type":"strin"})"));
}

TEST(CompileErrors, DraftComesFromSchemaOrOptions) {
  auto schema = compile_ok(R"({"$schema":"http://json-schema.org/draft-07/schema#"})");
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->draft(), Draft::Draft7);
  schema = compile_ok(R"({"$schema":"https://json-schema.org/draft/2020-12/schema"})");
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->draft(), Draft::Draft2020_12);
  Options options;
  options.default_draft = Draft::Draft7;
  schema = compile_ok("{}", options);
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->draft(), Draft::Draft7);
}

TEST(CompileErrors, ResolverExceptionsBecomeCompileErrors) {
  Options options;
  options.resolver = [](std::string_view) -> std::optional<std::string> {
    throw std::runtime_error("registry unavailable");
  };
  const auto e = compile_error(R"({"properties":{"a":{"$ref":"other.json"}}})", options);
  EXPECT_EQ(e.schema_location, "/properties/a/$ref");
  EXPECT_NE(e.message.find("registry unavailable"), std::string::npos);
  // A document the resolver returns must itself be valid.
  options.resolver = [](std::string_view) -> std::optional<std::string> { return "{oops"; };
  EXPECT_NE(compile_error(R"({"$ref":"other.json"})", options).message.find("not valid JSON"),
            std::string::npos);
}

}  // namespace
}  // namespace accord::jsonschema
