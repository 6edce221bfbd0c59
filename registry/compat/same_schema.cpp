#include "registry/compat/same_schema.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "registry/compat/json_values.hpp"
#include "registry/compat/schema_keywords.hpp"

namespace accord::compat {

namespace {

constexpr int kMaxDepth = 200;

bool is_reference_keyword(std::string_view name) {
  return name == "$ref" || name == "$dynamicRef" || name == "$recursiveRef";
}

// The constraint keywords of an object schema other than its reference, sorted.
std::vector<std::string_view> constraint_keys(const Node& node) {
  std::vector<std::string_view> keys;
  for (const auto& member : node.schema->as_object()) {
    if (is_constraint_keyword(member.key()) && !is_reference_keyword(member.key())) {
      keys.push_back(member.key());
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

bool SameSchema::operator()(const Node& a, const Node& b) {
  assumed_.clear();
  return same(a, b, 0);
}

bool SameSchema::same(const Node& a, const Node& b, int depth) {
  if (a.schema == b.schema && a.resource == b.resource) return true;
  if (depth > kMaxDepth) return false;
  const bool a_object = a.schema->is_object();
  const bool b_object = b.schema->is_object();
  if (!a_object || !b_object) {
    // true == {} == {"description": ...}; false only equals false.
    if (is_false_schema(a) || is_false_schema(b)) return is_false_schema(a) && is_false_schema(b);
    return accepts_everything(a) && accepts_everything(b);
  }
  if (!assumed_.emplace(a.schema, b.schema).second) return true;

  const auto text_a = SchemaSet::reference_text(a);
  const auto text_b = SchemaSet::reference_text(b);
  if (text_a.has_value() != text_b.has_value()) return false;
  if (text_a) {
    if (SchemaSet::ref_overrides_siblings(a) != SchemaSet::ref_overrides_siblings(b)) return false;
    // The same text against the same base URI names the same other document: equal without
    // loading it. Local ("#...") references point into each side's own document: compare.
    const bool same_external = !text_a->starts_with("#") && *text_a == *text_b &&
                               a.resource->base_uri == b.resource->base_uri;
    if (!same_external) {
      const RefLookup ref_a = schemas_.ref_of(a);
      const RefLookup ref_b = schemas_.ref_of(b);
      if (ref_a.target && ref_b.target) {
        if (!same(*ref_a.target, *ref_b.target, depth + 1)) return false;
      } else if (ref_a.target || ref_b.target || *text_a != *text_b) {
        return false;  // Two unresolvable references are the same only when written the same.
      }
    }
    if (SchemaSet::ref_overrides_siblings(a)) return true;
  }

  const auto keys = constraint_keys(a);
  if (keys != constraint_keys(b)) return false;
  for (std::string_view name : keys) {
    if (!same_keyword(a, b, name, depth)) return false;
  }
  return true;
}

bool SameSchema::same_keyword(const Node& a, const Node& b, std::string_view name, int depth) {
  const auto& value_a = *keyword(a, name);
  const auto& value_b = *keyword(b, name);
  const auto same_map = [&](bool allow_string_arrays) {
    const auto* map_a = value_a.if_object();
    const auto* map_b = value_b.if_object();
    if (!map_a || !map_b) return json_equal(value_a, value_b);
    if (map_a->size() != map_b->size()) return false;
    for (const auto& entry : *map_a) {
      const auto* other = map_b->if_contains(entry.key());
      if (!other) return false;
      if (allow_string_arrays && (entry.value().is_array() || other->is_array())) {
        if (!json_equal(entry.value(), *other)) return false;
      } else if (!same(schemas_.child(a, name, entry.key()), schemas_.child(b, name, entry.key()),
                       depth + 1)) {
        return false;
      }
    }
    return true;
  };
  const auto same_array = [&] {
    const auto& array_a = value_a.as_array();
    const auto& array_b = value_b.as_array();
    if (array_a.size() != array_b.size()) return false;
    for (std::size_t i = 0; i < array_a.size(); ++i) {
      if (!same(schemas_.child(a, name, i), schemas_.child(b, name, i), depth + 1)) return false;
    }
    return true;
  };

  switch (keyword_shape(name)) {
    case KeywordShape::kSchema:
      return same(schemas_.child(a, name), schemas_.child(b, name), depth + 1);
    case KeywordShape::kSchemaArray:
    case KeywordShape::kSchemaOrSchemaArray:
      if (value_a.is_array() != value_b.is_array()) return false;
      if (value_a.is_array()) return same_array();
      return same(schemas_.child(a, name), schemas_.child(b, name), depth + 1);
    case KeywordShape::kSchemaMap:
      return same_map(false);
    case KeywordShape::kSchemaOrStringArray:
      return same_map(true);
    case KeywordShape::kValue:
      return json_equal(value_a, value_b);
  }
  return false;
}

}  // namespace accord::compat
