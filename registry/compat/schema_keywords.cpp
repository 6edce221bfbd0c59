#include "registry/compat/schema_keywords.hpp"

#include <algorithm>
#include <iterator>

namespace accord::compat {

namespace {

// clang-format off
constexpr std::string_view kSchemaKeywords[] = {
    "not", "if", "then", "else", "contains", "propertyNames", "additionalProperties",
    "unevaluatedProperties", "additionalItems", "unevaluatedItems", "contentSchema"};

constexpr std::string_view kSchemaArrayKeywords[] = {"allOf", "anyOf", "oneOf", "prefixItems"};

constexpr std::string_view kSchemaMapKeywords[] = {
    "properties", "patternProperties", "dependentSchemas", "$defs", "definitions"};

// Everything the checker reads as a constraint; keep in step with the *_rules.cpp files.
constexpr std::string_view kConstraintKeywords[] = {
    "type", "enum", "const",
    "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "format",
    "contentEncoding", "contentMediaType", "contentSchema",
    "items", "prefixItems", "additionalItems", "unevaluatedItems",
    "contains", "minContains", "maxContains", "maxItems", "minItems", "uniqueItems",
    "properties", "patternProperties", "additionalProperties", "unevaluatedProperties",
    "propertyNames", "required", "minProperties", "maxProperties",
    "dependentRequired", "dependentSchemas", "dependencies",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    "$ref", "$dynamicRef", "$recursiveRef"};
// clang-format on

template <std::size_t N>
bool listed(const std::string_view (&table)[N], std::string_view keyword) {
  return std::find(std::begin(table), std::end(table), keyword) != std::end(table);
}

}  // namespace

KeywordShape keyword_shape(std::string_view keyword) {
  if (keyword == "items") return KeywordShape::kSchemaOrSchemaArray;
  if (keyword == "dependencies") return KeywordShape::kSchemaOrStringArray;
  if (listed(kSchemaKeywords, keyword)) return KeywordShape::kSchema;
  if (listed(kSchemaArrayKeywords, keyword)) return KeywordShape::kSchemaArray;
  if (listed(kSchemaMapKeywords, keyword)) return KeywordShape::kSchemaMap;
  return KeywordShape::kValue;
}

bool is_constraint_keyword(std::string_view keyword) {
  return listed(kConstraintKeywords, keyword);
}

}  // namespace accord::compat
