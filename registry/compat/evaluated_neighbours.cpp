#include "registry/compat/evaluated_neighbours.hpp"

#include <algorithm>

namespace accord::compat {

namespace {

constexpr int kMaxDepth = 16;

void collect_own(const Node& node, EvaluatedByNeighbours& out) {
  if (const auto* properties = keyword(node, "properties"); properties && properties->is_object()) {
    for (const auto& member : properties->as_object()) out.names.emplace(member.key());
  }
  if (const auto* patterns = keyword(node, "patternProperties");
      patterns && patterns->is_object()) {
    for (const auto& member : patterns->as_object()) out.patterns.emplace_back(member.key());
  }
  if (keyword(node, "additionalProperties") || keyword(node, "unevaluatedProperties")) {
    out.all_properties = true;
  }
  for (std::string_view tuple : {"prefixItems", "items"}) {
    if (const auto* items = keyword(node, tuple); items && items->is_array()) {
      out.prefix_items = std::max(out.prefix_items, items->as_array().size());
    }
  }
  const auto* items = keyword(node, "items");
  if ((items && !items->is_array()) || keyword(node, "additionalItems") ||
      keyword(node, "unevaluatedItems")) {
    out.all_items = true;
  }
}

void collect_subschemas(const Node& node, SchemaSet& schemas, EvaluatedByNeighbours& out,
                        int depth);

void collect(const Node& node, SchemaSet& schemas, EvaluatedByNeighbours& out, int depth) {
  if (depth > kMaxDepth || !node.schema->is_object()) return;
  collect_own(node, out);
  collect_subschemas(node, schemas, out, depth);
}

void collect_subschemas(const Node& node, SchemaSet& schemas, EvaluatedByNeighbours& out,
                        int depth) {
  if (const auto ref = schemas.ref_of(node); ref.target)
    collect(*ref.target, schemas, out, depth + 1);
  for (std::string_view name : {"allOf", "anyOf", "oneOf"}) {
    if (const auto* members = keyword(node, name); members && members->is_array()) {
      for (std::size_t i = 0; i < members->as_array().size(); ++i) {
        collect(schemas.child(node, name, i), schemas, out, depth + 1);
      }
    }
  }
  for (std::string_view name : {"if", "then", "else"}) {
    if (keyword(node, name)) collect(schemas.child(node, name), schemas, out, depth + 1);
  }
  if (const auto* dependents = keyword(node, "dependentSchemas");
      dependents && dependents->is_object()) {
    for (const auto& member : dependents->as_object()) {
      collect(schemas.child(node, "dependentSchemas", member.key()), schemas, out, depth + 1);
    }
  }
}

}  // namespace

EvaluatedByNeighbours evaluated_by_neighbours(const Node& schema, SchemaSet& schemas) {
  EvaluatedByNeighbours out;
  if (schema.schema->is_object()) collect_subschemas(schema, schemas, out, 0);
  return out;
}

}  // namespace accord::compat
