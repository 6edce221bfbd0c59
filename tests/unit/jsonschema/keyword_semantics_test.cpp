// Keyword behaviour the registry's users depend on, beyond what the official suite covers.
#include <gtest/gtest.h>

#include "tests/unit/jsonschema/test_support.hpp"

namespace accord::jsonschema {
namespace {

using testing::compile_ok;
using testing::valid;

TEST(KeywordSemantics, MultipleOfToleratesDecimalRounding) {
  const auto fine = compile_ok(R"({"multipleOf":0.0001})");
  ASSERT_TRUE(fine);
  EXPECT_TRUE(valid(*fine, "0.0075"));
  EXPECT_TRUE(valid(*fine, "19.99"));
  EXPECT_FALSE(valid(*fine, "0.00751"));
  const auto cents = compile_ok(R"({"multipleOf":0.01})");
  ASSERT_TRUE(cents);
  EXPECT_TRUE(valid(*cents, "23.45"));
  EXPECT_TRUE(valid(*cents, "0.3"));
  EXPECT_FALSE(valid(*cents, "0.305"));
  const auto integer = compile_ok(R"({"multipleOf":3})");
  ASSERT_TRUE(integer);
  EXPECT_TRUE(valid(*integer, "-9"));
  EXPECT_TRUE(valid(*integer, "9.0"));
  EXPECT_FALSE(valid(*integer, "10"));
  EXPECT_TRUE(valid(*integer, "9223372036854775806"));  // exact in 64-bit integers
}

TEST(KeywordSemantics, IntegersAndNumberComparisons) {
  const auto integer = compile_ok(R"({"type":"integer"})");
  ASSERT_TRUE(integer);
  EXPECT_TRUE(valid(*integer, "1.0"));
  EXPECT_TRUE(valid(*integer, "-0"));
  EXPECT_FALSE(valid(*integer, "1.5"));
  const auto bounds =
      compile_ok(R"({"exclusiveMinimum":9007199254740992,"maximum":18446744073709551615})");
  ASSERT_TRUE(bounds);
  EXPECT_FALSE(valid(*bounds, "9007199254740992"));
  EXPECT_TRUE(valid(*bounds, "9007199254740993"));  // above 2^53: compared exactly
  EXPECT_TRUE(valid(*bounds, "18446744073709551615"));
}

TEST(KeywordSemantics, ConstAndEnumUseJsonEquality) {
  const auto object = compile_ok(R"({"const":{"a":1,"b":[1,{"c":null}]}})");
  ASSERT_TRUE(object);
  EXPECT_TRUE(valid(*object, R"({"b":[1.0,{"c":null}],"a":1})"));
  EXPECT_FALSE(valid(*object, R"({"a":1,"b":[1,{"c":false}]})"));
  EXPECT_FALSE(valid(*object, R"({"a":1,"b":[1,{"c":null}],"d":0})"));
  const auto mixed = compile_ok(R"({"enum":["on","off",0,false,null]})");
  ASSERT_TRUE(mixed);
  EXPECT_TRUE(valid(*mixed, R"("off")"));
  EXPECT_TRUE(valid(*mixed, "0.0"));
  EXPECT_TRUE(valid(*mixed, "false"));
  EXPECT_FALSE(valid(*mixed, "1"));
  EXPECT_FALSE(valid(*mixed, R"("ON")"));
}

TEST(KeywordSemantics, LengthsCountCodePoints) {
  const auto schema = compile_ok(R"({"minLength":2,"maxLength":3})");
  ASSERT_TRUE(schema);
  EXPECT_TRUE(valid(*schema, R"("\u00e9\u00e9")"));    // 2 code points, 4 bytes
  EXPECT_TRUE(valid(*schema, R"("\ud83d\udc32ab")"));  // an astral character counts once
  EXPECT_FALSE(valid(*schema, R"("\u00e9")"));
  EXPECT_FALSE(valid(*schema, R"("abcd")"));
}

TEST(KeywordSemantics, Draft7RefOverridesSiblingsButNot2020) {
  constexpr std::string_view schema = R"({"definitions":{"n":{"type":"number"}},
      "properties":{"x":{"$ref":"#/definitions/n","maximum":5}}})";
  Options draft7;
  draft7.default_draft = Draft::Draft7;
  const auto old_rules = compile_ok(schema, draft7);
  ASSERT_TRUE(old_rules);
  EXPECT_TRUE(valid(*old_rules, R"({"x":10})"));
  const auto new_rules = compile_ok(schema);
  ASSERT_TRUE(new_rules);
  EXPECT_FALSE(valid(*new_rules, R"({"x":10})"));
}

TEST(KeywordSemantics, ItemsPerDraft) {
  Options draft7;
  draft7.default_draft = Draft::Draft7;
  const auto tuple7 =
      compile_ok(R"({"items":[{"type":"string"}],"additionalItems":false})", draft7);
  ASSERT_TRUE(tuple7);
  EXPECT_TRUE(valid(*tuple7, R"(["a"])"));
  EXPECT_FALSE(valid(*tuple7, R"(["a",1])"));
  const auto tuple2020 = compile_ok(R"({"prefixItems":[{"type":"string"}],"items":false})");
  ASSERT_TRUE(tuple2020);
  EXPECT_TRUE(valid(*tuple2020, R"(["a"])"));
  EXPECT_FALSE(valid(*tuple2020, R"(["a",1])"));
}

TEST(KeywordSemantics, DependenciesPerDraft) {
  Options draft7;
  draft7.default_draft = Draft::Draft7;
  const auto old_style = compile_ok(
      R"({"dependencies":{"credit_card":["billing_address"],"vip":{"required":["tier"]}}})",
      draft7);
  ASSERT_TRUE(old_style);
  EXPECT_FALSE(valid(*old_style, R"({"credit_card":1})"));
  EXPECT_FALSE(valid(*old_style, R"({"vip":true})"));
  EXPECT_TRUE(valid(*old_style, R"({"credit_card":1,"billing_address":"x","vip":true,"tier":2})"));
  const auto new_style = compile_ok(
      R"({"dependentRequired":{"credit_card":["billing_address"]},"dependentSchemas":{"vip":{"required":["tier"]}}})");
  ASSERT_TRUE(new_style);
  EXPECT_FALSE(valid(*new_style, R"({"credit_card":1})"));
  EXPECT_FALSE(valid(*new_style, R"({"vip":true})"));
}

TEST(KeywordSemantics, ContainsBounds) {
  const auto schema =
      compile_ok(R"({"contains":{"type":"integer"},"minContains":2,"maxContains":3})");
  ASSERT_TRUE(schema);
  EXPECT_FALSE(valid(*schema, R"([1,"a"])"));
  EXPECT_TRUE(valid(*schema, R"([1,2,"a"])"));
  EXPECT_FALSE(valid(*schema, R"([1,2,3,4])"));
  const auto none = compile_ok(R"({"contains":{"type":"integer"},"minContains":0})");
  ASSERT_TRUE(none);
  EXPECT_TRUE(valid(*none, R"([])"));
}

TEST(KeywordSemantics, UnevaluatedSeesThroughApplicators) {
  const auto schema = compile_ok(R"({
    "type":"object",
    "properties":{"kind":{"enum":["a","b"]}},
    "oneOf":[
      {"properties":{"kind":{"const":"a"},"alpha":{"type":"number"}}},
      {"properties":{"kind":{"const":"b"},"beta":{"type":"string"}}}],
    "unevaluatedProperties":false})");
  ASSERT_TRUE(schema);
  EXPECT_TRUE(valid(*schema, R"({"kind":"a","alpha":1})"));
  EXPECT_FALSE(valid(*schema, R"({"kind":"a","beta":"x"})"));
  EXPECT_TRUE(valid(*schema, R"({"kind":"b","beta":"x"})"));
  const auto items =
      compile_ok(R"({"prefixItems":[true],"contains":{"const":"x"},"unevaluatedItems":false})");
  ASSERT_TRUE(items);
  EXPECT_TRUE(valid(*items, R"([1,"x","x"])"));
  EXPECT_FALSE(valid(*items, R"([1,"x","y"])"));
}

TEST(KeywordSemantics, DynamicReferencesExtendARecursiveSchema) {
  Options options;
  options.resolver = [](std::string_view uri) -> std::optional<std::string> {
    if (uri != "https://example.com/tree.json") return std::nullopt;
    return R"({"$id":"https://example.com/tree.json","$dynamicAnchor":"node","type":"object",
               "properties":{"data":true,"children":{"type":"array","items":{"$dynamicRef":"#node"}}}})";
  };
  const auto strict = compile_ok(R"({"$id":"https://example.com/strict-tree.json",
      "$dynamicAnchor":"node","$ref":"tree.json","unevaluatedProperties":false})",
                                 options);
  ASSERT_TRUE(strict);
  EXPECT_TRUE(valid(*strict, R"({"children":[{"data":1}]})"));
  EXPECT_FALSE(valid(*strict, R"({"children":[{"daat":1}]})"));
}

TEST(KeywordSemantics, PropertyNamesAndPatternProperties) {
  const auto schema = compile_ok(R"({"propertyNames":{"pattern":"^[a-z_]+$","maxLength":10},
      "patternProperties":{"^s_":{"type":"string"},"^n_":{"type":"number"}},
      "additionalProperties":false})");
  ASSERT_TRUE(schema);
  EXPECT_TRUE(valid(*schema, R"({"s_name":"x","n_count":1})"));
  EXPECT_FALSE(valid(*schema, R"({"s_name":1})"));
  EXPECT_FALSE(valid(*schema, R"({"Bad":1})"));
  EXPECT_FALSE(valid(*schema, R"({"other":1})"));
  EXPECT_FALSE(valid(*schema, R"({"s_far_too_long_name":"x"})"));
}

TEST(KeywordSemantics, ManyPropertiesUseTheHashedLookup) {
  std::string schema = R"({"type":"object","additionalProperties":false,"properties":{)";
  std::string document = "{";
  for (int i = 0; i < 100; ++i) {
    schema += (i ? "," : "") + std::string("\"p") + std::to_string(i) + "\":{\"type\":\"integer\"}";
    document += (i ? "," : "") + std::string("\"p") + std::to_string(i) + "\":" + std::to_string(i);
  }
  schema += "},\"required\":[\"p0\",\"p99\"]}";
  const auto compiled = compile_ok(schema);
  ASSERT_TRUE(compiled);
  EXPECT_TRUE(valid(*compiled, document + "}"));
  EXPECT_FALSE(valid(*compiled, document + ",\"p100\":1}"));
  EXPECT_FALSE(valid(*compiled, R"({"p0":"x","p99":1})"));
  EXPECT_FALSE(valid(*compiled, R"({"p0":1})"));
}

TEST(KeywordSemantics, ValidationVocabularyCanBeSwitchedOff) {
  Options options;
  options.resolver = [](std::string_view uri) -> std::optional<std::string> {
    if (uri != "https://example.com/no-validation") return std::nullopt;
    return R"({"$schema":"https://json-schema.org/draft/2020-12/schema",
      "$id":"https://example.com/no-validation",
      "$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/core":true,
                     "https://json-schema.org/draft/2020-12/vocab/applicator":true}})";
  };
  const auto schema = compile_ok(R"({"$schema":"https://example.com/no-validation",
      "properties":{"a":false,"n":{"minimum":10}}})",
                                 options);
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->draft(), Draft::Draft2020_12);
  EXPECT_TRUE(valid(*schema, R"({"n":1})"));
  EXPECT_FALSE(valid(*schema, R"({"a":1})"));

  options.resolver = [](std::string_view) -> std::optional<std::string> {
    return R"({"$schema":"https://json-schema.org/draft/2020-12/schema",
      "$vocabulary":{"https://example.com/vocab/required-magic":true}})";
  };
  const auto e = testing::compile_error(R"({"$schema":"https://example.com/magic"})", options);
  EXPECT_NE(e.message.find("unsupported vocabulary"), std::string::npos);
}

}  // namespace
}  // namespace accord::jsonschema

// Found by the fuzzer (tests/fuzz/jsonschema_fuzz.cpp).
namespace accord::jsonschema::testing {
namespace {

TEST(FuzzFindings, EmptyViewIsInvalidJsonNotUndefinedBehaviour) {
  auto schema = compile_ok("{}");
  ASSERT_TRUE(schema);
  EXPECT_FALSE(schema->is_valid(std::string_view{}));
  EXPECT_EQ(schema->validate(std::string_view{}).size(), 1u);
}

// 20-digit integers that fit in 64 bits stay exact even when a bigger one, elsewhere in the
// document, makes the parser read it again with wide integers as doubles.
TEST(FuzzFindings, SixtyFourBitIntegersStayExactBesideBiggerOnes) {
  auto schema = compile_ok(
      R"({"type":"array","items":{"type":"integer","maximum":18446744073709551615}})");
  ASSERT_TRUE(schema);
  EXPECT_FALSE(schema->is_valid("[18446744073709551614,123456789012345678901234567890]"))
      << "the 30-digit value is above the maximum";
  EXPECT_TRUE(schema->is_valid("[18446744073709551614, 1]"));
  auto wide = compile_ok(R"({"type":"array","items":{"type":"integer"}})");
  ASSERT_TRUE(wide);
  EXPECT_TRUE(wide->is_valid("[18446744073709551614,-9223372036854775808,123456789012345678901234567890]"));
  auto bounded = compile_ok(R"({"type":"array","items":{"maximum":18446744073709551615}})");
  ASSERT_TRUE(bounded);
  auto errors = bounded->validate("[18446744073709551615,123456789012345678901234567890]");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_location, "/1") << "only the 30-digit value breaks the bound";
}

}  // namespace
}  // namespace accord::jsonschema::testing
