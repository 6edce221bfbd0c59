// Hostile schemas and documents stay bounded: linear-time patterns, no non-terminating
// reference cycles, nesting limits on both sides.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/jsonschema/test_support.hpp"

namespace accord::jsonschema {
namespace {

using testing::compile_error;
using testing::compile_ok;
using testing::valid;

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + "1" + std::string(depth, ']');
}

TEST(HostileInput, CatastrophicBacktrackingPatternFinishes) {
  // ^(a+)+$ takes exponential time in a backtracking engine; RE2 is linear. No time assertion:
  // the test finishing (under ctest's timeout) is the proof.
  const auto schema = compile_ok(R"({"type":"string","pattern":"^(a+)+$"})");
  ASSERT_TRUE(schema);
  const std::string evil = "\"" + std::string(100000, 'a') + "!\"";
  EXPECT_FALSE(schema->is_valid(evil));
  EXPECT_EQ(schema->validate(evil).size(), 1u);
  EXPECT_TRUE(schema->is_valid("\"" + std::string(100000, 'a') + "\""));
}

TEST(HostileInput, ReferenceCyclesWithoutProgressAreRejected) {
  auto e = compile_error(R"({"$ref":"#"})");
  EXPECT_NE(e.message.find("reference cycle"), std::string::npos);
  e = compile_error(
      R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})");
  EXPECT_NE(e.message.find("#/$defs/a -> #/$defs/b -> #/$defs/a"), std::string::npos);
  // Also through applicators that stay on the same instance, and in unused definitions.
  EXPECT_NE(compile_error(R"({"anyOf":[{"type":"string"},{"$ref":"#"}]})").message.find("cycle"),
            std::string::npos);
  EXPECT_NE(compile_error(R"({"not":{"$ref":"#"}})").message.find("cycle"), std::string::npos);
  EXPECT_NE(
      compile_error(R"({"$defs":{"x":{"allOf":[{"$ref":"#/$defs/x"}]}}})").message.find("cycle"),
      std::string::npos);
  // A cycle across documents (A -> B -> A).
  Options options;
  options.resolver = [](std::string_view uri) -> std::optional<std::string> {
    if (uri == "https://example.com/b.json") return R"({"$ref":"a.json"})";
    return std::nullopt;
  };
  EXPECT_NE(compile_error(R"({"$id":"https://example.com/a.json","$ref":"b.json"})", options)
                .message.find("cycle"),
            std::string::npos);
}

TEST(HostileInput, RecursionThatConsumesInputIsFine) {
  const auto tree = compile_ok(R"({"type":"object","properties":{
      "value":{"type":"number"},"children":{"type":"array","items":{"$ref":"#"}}}})");
  ASSERT_TRUE(tree);
  EXPECT_TRUE(valid(*tree, R"({"value":1,"children":[{"value":2,"children":[]}]})"));
  EXPECT_FALSE(valid(*tree, R"({"value":1,"children":[{"value":"x"}]})"));
  // The suite's infinite-loop-detection case: the same definition reached two ways.
  const auto loop = compile_ok(R"({"$defs":{"int":{"type":"integer"}},"allOf":[
      {"properties":{"foo":{"$ref":"#/$defs/int"}}},
      {"additionalProperties":{"$ref":"#/$defs/int"}}]})");
  ASSERT_TRUE(loop);
  EXPECT_TRUE(valid(*loop, R"({"foo":1})"));
  EXPECT_FALSE(valid(*loop, R"({"foo":"a string"})"));
}

TEST(HostileInput, DocumentNestingLimit) {
  const auto schema = compile_ok(R"({"type":"array"})");
  ASSERT_TRUE(schema);
  EXPECT_TRUE(schema->is_valid(nested_arrays(256)));
  EXPECT_FALSE(schema->is_valid(nested_arrays(257)));
  const auto errors = schema->validate(nested_arrays(257));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "document nesting exceeds 256");

  Options shallow;
  shallow.max_document_depth = 3;
  const auto limited = compile_ok(R"({})", shallow);
  ASSERT_TRUE(limited);
  EXPECT_TRUE(limited->is_valid(nested_arrays(3)));
  EXPECT_FALSE(limited->is_valid(nested_arrays(4)));
  EXPECT_TRUE(schema->is_valid(nested_arrays(256)));  // per schema, on the same thread
}

TEST(HostileInput, DocumentNestingLimitForParsedDocuments) {
  // An element parsed elsewhere: the limit applies where the schema descends. (A small limit
  // keeps the recursion shallow in unoptimized sanitizer builds too.)
  Options options;
  options.max_document_depth = 64;
  const auto schema = compile_ok(R"({"items":{"$ref":"#"}})", options);
  ASSERT_TRUE(schema);
  simdjson::dom::parser parser;
  simdjson::dom::element deep;
  ASSERT_FALSE(parser.parse(nested_arrays(100)).get(deep));
  EXPECT_FALSE(schema->is_valid(deep));
  const auto errors = schema->validate(deep);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "document nesting exceeds 64");
  // Reported at the first value nested too deep: 65 levels down, "/0" 65 times.
  EXPECT_EQ(errors[0].instance_location.size(), 2u * 65);
  simdjson::dom::element fine;
  ASSERT_FALSE(parser.parse(nested_arrays(60)).get(fine));
  EXPECT_TRUE(schema->is_valid(fine));
  EXPECT_TRUE(schema->validate(fine).empty());
}

TEST(HostileInput, SchemaNestingLimit) {
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += R"({"items":)";
  deep += "true";
  deep += std::string(300, '}');
  const auto e = compile_error(deep);
  EXPECT_EQ(e.message, "schema nesting exceeds 256");
  EXPECT_TRUE(e.schema_location.starts_with("/items/items/"));

  std::string ok;
  for (int i = 0; i < 100; ++i) ok += R"({"items":)";
  ok += "true";
  ok += std::string(100, '}');
  EXPECT_TRUE(compile_ok(ok));

  Options small;
  small.max_schema_depth = 10;
  EXPECT_EQ(compile_error(ok, small).message, "schema nesting exceeds 10");
  // Deep JSON nesting (two levels per subschema through "properties") fails the same way.
  std::string wide;
  for (int i = 0; i < 400; ++i) wide += R"({"properties":{"a":)";
  wide += "true";
  for (int i = 0; i < 400; ++i) wide += "}}";
  EXPECT_NE(compile_error(wide).message.find("nesting exceeds"), std::string::npos);
}

TEST(HostileInput, LongReferenceChainsCompileWithoutRecursion) {
  // 5000 definitions each referring to the next: compiled from a work queue, not recursively.
  std::string schema = R"({"$ref":"#/$defs/d0","$defs":{)";
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    schema += "\"d" + std::to_string(i) + "\":";
    schema += i + 1 < n ? R"({"$ref":"#/$defs/d)" + std::to_string(i + 1) + "\"}"
                        : R"({"type":"integer"})";
    schema += i + 1 < n ? "," : "";
  }
  schema += "}}";
  const auto compiled = compile_ok(schema);
  ASSERT_TRUE(compiled);
  // Evaluating it is bounded by the evaluation depth guard instead of the stack.
  EXPECT_FALSE(compiled->is_valid("1"));
  const auto errors = compiled->validate("1");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("nests too deeply"), std::string::npos);
}

TEST(HostileInput, LargeArraysForUniqueItems) {
  const auto schema = compile_ok(R"({"uniqueItems":true})");
  ASSERT_TRUE(schema);
  std::string distinct = "[";
  for (int i = 0; i < 50000; ++i) distinct += (i ? "," : "") + std::to_string(i);
  EXPECT_TRUE(schema->is_valid(distinct + "]"));
  EXPECT_FALSE(schema->is_valid(distinct + ",1.0]"));  // 1.0 equals 1
  EXPECT_FALSE(schema->is_valid(R"([{"a":1,"b":[1]},{"b":[1.0],"a":1}])"));
}

TEST(HostileInput, BigIntegersAreNumbers) {
  // simdjson rejects integers beyond 64 bits; they are re-read as doubles (documented).
  const auto integer = compile_ok(R"({"type":"integer","minimum":0})");
  ASSERT_TRUE(integer);
  EXPECT_TRUE(valid(*integer, "123456789012345678901234567890"));
  EXPECT_FALSE(valid(*integer, "-123456789012345678901234567890"));
  EXPECT_TRUE(valid(*integer, R"(18446744073709551615)"));
  const auto bound = compile_ok(R"({"maximum":18446744073709551615})");
  ASSERT_TRUE(bound);
  EXPECT_TRUE(valid(*bound, "18446744073709551600"));
  EXPECT_FALSE(valid(*bound, "18446744073709551616"));
  EXPECT_FALSE(valid(*integer, "1e400"));  // overflows a double: not valid JSON for us
}

}  // namespace
}  // namespace accord::jsonschema
